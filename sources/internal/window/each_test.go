package window

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/sources"
)

func TestPollEach(t *testing.T) {
	opts := Options{Overlap: time.Minute, Pages: 2, SeenLimit: 100}
	known := Window{Since: t0.Add(-time.Hour), Newest: t0.Add(-30 * time.Minute)}
	limited := func(context.Context, Range, *int) ([]Item[int], bool, error) {
		return nil, false, &sources.RateLimitError{Source: "test", Until: t0.Add(time.Minute)}
	}
	broken := errors.New("broken")
	failing := func(context.Context, Range, *int) ([]Item[int], bool, error) { return nil, false, broken }

	tests := []struct {
		name string
		prev map[string]Window
		// reads: "a" and "b" are feeds, "limited" and "failing" fail.
		reads       []string
		wantErr     error
		wantFresh   []int
		wantWindows []string // keys of Next
		wantLimited int
		wantFrom    map[string]time.Time
		wantLog     string
	}{
		{
			name: "a new read reaches back the backfill, a known one from its window",
			prev: map[string]Window{"b": known}, reads: []string{"a", "b"},
			wantFresh: []int{2, 1, 11}, wantWindows: []string{"a", "b"}, wantLimited: 2,
			wantFrom: map[string]time.Time{"a": t0.Add(-24 * time.Hour), "b": known.Lower(opts.Overlap)},
		},
		{
			name: "a rate limit after the first read keeps what was read and the windows of the rest",
			prev: map[string]Window{"b": known, "gone": known}, reads: []string{"a", "limited", "b"},
			wantFresh: []int{2, 1}, wantWindows: []string{"a", "b"}, wantLimited: 1,
			wantLog: `level=INFO msg="rate limited mid-poll; this read and the rest are made after the block" read=limited`,
		},
		{
			name: "a rate limit on the first read fails the poll", reads: []string{"limited", "a"},
			wantErr: sources.ErrRateLimited,
		},
		{
			name: "any other error fails the poll", reads: []string{"a", "failing", "b"},
			wantErr: broken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := &feed{pageSize: 10}, &feed{pageSize: 10}
			a.add(1, t0.Add(-2*time.Hour))
			a.add(2, t0.Add(-3*time.Hour))
			b.add(11, t0.Add(-10*time.Minute))
			b.add(12, t0.Add(-2*time.Hour)) // below b's window
			var reads []Read[int]
			for _, k := range tt.reads {
				r := map[string]Reader[int]{"a": a.read, "b": b.read, "limited": limited, "failing": failing}[k]
				reads = append(reads, Read[int]{Key: k, Read: r, Attrs: []any{"read", k}})
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
			got, err := PollEach(context.Background(), log, tt.prev, reads, t0, 24*time.Hour, opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if got.Next != nil || got.Fresh != nil {
					t.Error("a failed poll returned windows or items")
				}
				return
			}
			var fresh []int
			for _, it := range got.Fresh {
				fresh = append(fresh, it.Value)
			}
			if !reflect.DeepEqual(fresh, tt.wantFresh) {
				t.Errorf("fresh %v, want %v", fresh, tt.wantFresh)
			}
			var keys []string
			for _, k := range []string{"a", "b", "limited", "gone"} {
				if _, ok := got.Next[k]; ok {
					keys = append(keys, k)
				}
			}
			if !reflect.DeepEqual(keys, tt.wantWindows) {
				t.Errorf("windows of %v, want %v", keys, tt.wantWindows)
			}
			if got.Limited != tt.wantLimited {
				t.Errorf("limited at %d, want %d", got.Limited, tt.wantLimited)
			}
			if strings.TrimSpace(logs.String()) != tt.wantLog {
				t.Errorf("logs:\n%s\nwant\n%s", logs.String(), tt.wantLog)
			}
			if tt.wantLimited < len(tt.reads) {
				if w := got.Next["b"]; !reflect.DeepEqual(w, known) {
					t.Errorf("the read not made changed its window: %+v", w)
				}
			}
			for k, from := range tt.wantFrom {
				f := map[string]*feed{"a": a, "b": b}[k]
				if len(f.reads) == 0 || !f.reads[0].From.Equal(from) {
					t.Errorf("%s read %v, want from %s", k, f.reads, from)
				}
			}
		})
	}
}

func noTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func TestPollEachLogsAReadThatRanOutOfPages(t *testing.T) {
	f := &feed{pageSize: 1}
	for i := range 5 {
		f.add(i, t0.Add(-time.Duration(i+1)*time.Minute))
	}
	opts := Options{Overlap: time.Minute, Pages: 2, SeenLimit: 100}
	tests := []struct {
		name string
		prev map[string]Window
		want string
	}{
		{"on a first poll, the backfill is only shortened", nil,
			`level=DEBUG msg="page budget used before the cursor; the rest is read next poll (on a first poll: skipped)" read=f pages=2`},
		{"later, a gap is left", map[string]Window{"f": {Since: t0.Add(-time.Hour), Newest: t0.Add(-time.Hour)}},
			`level=WARN msg="page budget used before the cursor; the rest is read next poll (on a first poll: skipped)" read=f pages=2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
			got, err := PollEach(context.Background(), log, tt.prev, []Read[int]{{Key: "f", Read: f.read, Attrs: []any{"read", "f"}}}, t0, 24*time.Hour, opts)
			if err != nil || len(got.Fresh) != 2 {
				t.Fatalf("%v, %d fresh, want the 2 of the page budget", err, len(got.Fresh))
			}
			if strings.TrimSpace(logs.String()) != tt.want {
				t.Errorf("logs:\n%s\nwant\n%s", logs.String(), tt.want)
			}
		})
	}
}
