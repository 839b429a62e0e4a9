package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/earshothq/earshot/internal/testredis"
)

// TestAddCountsAcrossClients: the quota counter of sources (YouTube's
// daily units) is one count for every process, and lapses at its expiry.
func TestAddCountsAcrossClients(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			url := b.URL(t)
			a, c := testredis.Store(t, url), testredis.Store(t, url)
			ctx := context.Background()
			expire := time.Now().Add(time.Hour)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st := a
					if i%2 == 1 {
						st = c
					}
					if _, err := st.Add(ctx, "youtube:quota:test", 100, expire); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			n, err := a.Add(ctx, "youtube:quota:test", -100, expire)
			if err != nil || n != 1900 {
				t.Fatalf("count %d %v, want 1900", n, err)
			}
			if n, _ := c.Add(ctx, "youtube:quota:past", 5, time.Now().Add(-time.Second)); n != 5 {
				t.Errorf("count %d", n)
			}
			if n, _ := c.Add(ctx, "youtube:quota:past", 5, time.Now().Add(time.Hour)); n != 5 {
				t.Errorf("a count past its expiry goes on: %d, want a new count of 5", n)
			}
		})
	}
}

// TestClaimStory: the first Scan of a story owns its keys, a later post
// sharing any key is told whose story it is, and a post read again is
// its own.
func TestClaimStory(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := testredis.Store(t, b.URL(t))
			ctx := context.Background()
			claim := func(id string, keys ...string) string {
				t.Helper()
				owner, err := st.ClaimStory(ctx, "acme", "leads", keys, id, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				return owner
			}
			if o := claim("a", "post:REDDIT:t3_a", "url:example.com/x"); o != "a" {
				t.Errorf("first: owner %s", o)
			}
			if o := claim("a", "post:REDDIT:t3_a", "url:example.com/x"); o != "a" {
				t.Errorf("read again: owner %s", o)
			}
			if o := claim("b", "post:REDDIT:t3_b", "url:example.com/x"); o != "a" {
				t.Errorf("same link: owner %s, want a", o)
			}
			if o := claim("b", "post:REDDIT:t3_b"); o != "a" {
				t.Errorf("the duplicate read again: owner %s, want a", o)
			}
			if o, _ := st.ClaimStory(ctx, "acme", "other", []string{"url:example.com/x"}, "c", time.Hour); o != "c" {
				t.Errorf("another manager: owner %s, want its own", o)
			}
		})
	}
}
