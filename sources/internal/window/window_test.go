package window

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 6, 13, 12, 0, 0, 0, time.UTC)

// feed is a feed read newest first, pageSize items a page.
type feed struct {
	items    []Item[int] // any order
	pageSize int
	reads    []Range
}

func (f *feed) read(_ context.Context, r Range, budget *int) ([]Item[int], bool, error) {
	f.reads = append(f.reads, r)
	var in []Item[int]
	for _, it := range f.items {
		if r.Contains(it.Time) {
			in = append(in, it)
		}
	}
	slices.SortFunc(in, func(a, b Item[int]) int { return b.Time.Compare(a.Time) })
	var out []Item[int]
	for len(in) > 0 {
		n := min(f.pageSize, len(in))
		out = append(out, in[:n]...)
		in = in[n:]
		*budget--
		if len(in) > 0 && *budget <= 0 {
			return out, false, nil
		}
	}
	return out, true, nil
}

func (f *feed) add(n int, at time.Time) {
	f.items = append(f.items, Item[int]{ID: fmt.Sprint(n), Time: at, Value: n})
}

func TestPoll(t *testing.T) {
	f := &feed{pageSize: 10}
	opts := Options{Overlap: time.Minute, Pages: 2, SeenLimit: 100}
	f.add(0, t0.Add(-48*time.Hour)) // before the backfill
	for i := 1; i <= 5; i++ {
		f.add(i, t0.Add(-time.Duration(i)*time.Minute))
	}
	w := New(t0, 24*time.Hour)
	cold := opts
	cold.Cold = true
	res, err := Poll(context.Background(), w, f.read, cold)
	if err != nil || len(res.Fresh) != 5 || res.Truncated {
		t.Fatalf("first poll: %v, %d fresh, truncated %v", err, len(res.Fresh), res.Truncated)
	}
	if res.Fresh[0].Value != 5 || res.Fresh[4].Value != 1 {
		t.Errorf("not oldest first: %v", res.Fresh)
	}
	w = res.Next
	if !w.Newest.Equal(t0.Add(-time.Minute)) || w.Lower(time.Minute) != t0.Add(-2*time.Minute) {
		t.Errorf("newest %s, lower %s", w.Newest, w.Lower(time.Minute))
	}
	// The seen-set holds what the overlap reaches: items 1 and 2.
	if len(w.Seen) != 2 {
		t.Errorf("seen = %v", w.Seen)
	}

	// 35 new items: the budget of 2 pages reads 20, the rest is a gap.
	for i := 100; i < 135; i++ {
		f.add(i, t0.Add(time.Duration(i-100)*time.Second))
	}
	res, err = Poll(context.Background(), w, f.read, opts)
	if err != nil || len(res.Fresh) != 20 || !res.Truncated || res.Next.Gap == nil {
		t.Fatalf("second poll: %v, %d fresh, truncated %v, gap %v", err, len(res.Fresh), res.Truncated, res.Next.Gap)
	}
	got := len(res.Fresh)
	w = res.Next
	if w.Gap.From != t0.Add(-2*time.Minute) || w.Gap.To != t0.Add(15*time.Second) {
		t.Errorf("gap = %+v", *w.Gap)
	}
	// Next poll: the gap (items 100..115, the boundary one again, and the
	// overlap's 1 and 2), which takes the budget.
	res, err = Poll(context.Background(), w, f.read, opts)
	if err != nil || res.Next.Gap != nil {
		t.Fatalf("third poll: %v, gap %v", err, res.Next.Gap)
	}
	got += len(res.Fresh)
	if got != 35 {
		t.Errorf("%d of 35 new items returned", got)
	}
	if r := f.reads[len(f.reads)-1]; r.To.IsZero() {
		t.Errorf("third poll did not read the gap: %+v", f.reads)
	}
	res, err = Poll(context.Background(), res.Next, f.read, opts)
	if err != nil || len(res.Fresh) != 0 || f.reads[len(f.reads)-1] != (Range{From: t0.Add(34*time.Second - time.Minute)}) {
		t.Errorf("fourth poll: %v, %d fresh, read %+v", err, len(res.Fresh), f.reads[len(f.reads)-1])
	}
}

func TestSeenLimit(t *testing.T) {
	w := Window{Since: t0}
	var fresh []Seen
	for i := range 50 {
		fresh = append(fresh, Seen{ID: fmt.Sprint(i), T: t0.Unix()})
	}
	n := w.advance(fresh, nil, Options{Overlap: time.Hour, SeenLimit: 10})
	if len(n.Seen) != 10 || n.Seen[9].ID != "49" {
		t.Errorf("seen = %v", n.Seen)
	}
}

func TestCompareIDs(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"9", "10", -1}, {"10", "9", 1}, {"10", "10", 0}, {"a", "b", -1}, {"1_2", "1_10", 1}} {
		if got := CompareIDs(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareIDs(%s, %s) = %d", tt.a, tt.b, got)
		}
	}
}

func TestUnseen(t *testing.T) {
	tests := []struct {
		name        string
		seen, items []string
		want        []string
	}{
		{"nothing seen", nil, []string{"t3_b", "t3_a"}, []string{"t3_b", "t3_a"}},
		{"seen dropped", []string{"t3_a"}, []string{"t3_b", "t3_a", "t3_c"}, []string{"t3_b", "t3_c"}},
		{"repeats once", nil, []string{"t3_a", "t3_b", "t3_a"}, []string{"t3_a", "t3_b"}},
		{"all seen", []string{"t3_a", "t3_b"}, []string{"t3_b", "t3_a"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unseen(slices.Values(tt.seen), tt.items, func(s string) string { return s })
			if !slices.Equal(got, tt.want) {
				t.Errorf("Unseen = %q, want %q", got, tt.want)
			}
		})
	}
}
