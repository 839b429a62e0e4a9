package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// TestListScansPages walks a scan index page by page, as the API's page
// tokens do: every scan the filter keeps comes once, newest first, however
// many share a millisecond; and a filter that keeps few scans reads at most
// MaxExamined entries a page, ending it short (even empty) with a position
// to go on from, instead of reading the whole index in one request.
func TestListScansPages(t *testing.T) {
	base := time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		n        int
		created  func(i int) time.Time
		keep     func(i int) bool // nil: all
		limit    int
		examined int // MaxExamined (0: the default)
	}{
		{"distinct times", 250, func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }, nil, 7, 0},
		{"one millisecond", 250, func(int) time.Time { return base }, nil, 7, 0},
		{"runs of one millisecond", 250, func(i int) time.Time { return base.Add(time.Duration(i/60) * time.Millisecond) }, nil, 50, 0},
		{"a filter keeping few, bounded", 900, func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }, func(i int) bool { return i%301 == 0 }, 10, 250},
		{"a filter keeping few, one millisecond", 900, func(int) time.Time { return base }, func(i int) bool { return i%301 == 0 }, 10, 250},
	}
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					st := newStore(t, b.URL(t))
					ctx := context.Background()
					var want []string // newest first
					for i := range tc.n {
						id := fmt.Sprintf("s%04d", i)
						sc := &models.Scan{Name: models.ScanName("a", "m", id), CreateTime: tc.created(i),
							Post: models.Post{ID: "t3_" + id, Type: models.PostRedditLink, Title: id}}
						if _, err := st.CreateScan(ctx, "a", "m", id, sc, 24*365*time.Hour); err != nil {
							t.Fatal(err)
						}
						if tc.keep == nil || tc.keep(i) {
							want = append([]string{id}, want...)
						}
					}
					if tc.created(0).Equal(tc.created(1)) {
						// Ties come in reverse id order, as the index keeps them.
						want = want[:0]
						for i := tc.n - 1; i >= 0; i-- {
							if tc.keep == nil || tc.keep(i) {
								want = append(want, fmt.Sprintf("s%04d", i))
							}
						}
					}
					var keep func(*models.Scan) bool
					if tc.keep != nil {
						keep = func(s *models.Scan) bool {
							var i int
							fmt.Sscanf(s.Post.Title, "s%04d", &i)
							return tc.keep(i)
						}
					}
					var got []string
					var after *store.ScanPosition
					for pages := 0; ; pages++ {
						if pages > tc.n {
							t.Fatal("the listing does not end")
						}
						page, next, err := st.ListScans(ctx, "a", store.ScanQuery{Manager: "m", After: after, Keep: keep, Limit: tc.limit, MaxExamined: tc.examined})
						if err != nil {
							t.Fatal(err)
						}
						if len(page) > tc.limit {
							t.Fatalf("page of %d, limit %d", len(page), tc.limit)
						}
						for _, l := range page {
							got = append(got, l.Scan.Post.Title)
						}
						if next == nil {
							break
						}
						after = next
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("listed %d scans %v…, want %d %v…", len(got), head(got), len(want), head(want))
					}
				})
			}
		})
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }
