package sources

import (
	"testing"
	"time"
)

func TestOwnOptionsApplyToTheirSourceOnly(t *testing.T) {
	type source struct{ pages []int }
	type other struct{}
	page := func(n int) Option { return Own(func(s *source) { s.pages = append(s.pages, n) }) }

	var s source
	ApplyOwn(ApplyOptions([]Option{page(1), WithClock(time.Now), page(2)}), &s)
	if len(s.pages) != 2 || s.pages[0] != 1 || s.pages[1] != 2 {
		t.Errorf("pages = %v, want [1 2] in order", s.pages)
	}

	defer func() {
		if recover() == nil {
			t.Error("an option for another package's source was dropped silently")
		}
	}()
	ApplyOwn(ApplyOptions([]Option{Own(func(*other) {})}), &s)
}
