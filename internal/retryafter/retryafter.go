// Package retryafter reads how long a server asks its client to wait: the
// Retry-After header (RFC 9110, section 10.2.3) of a platform a source
// polls or of a webhook receiver, and the seconds-until-reset headers of
// rate limits. It is the one parser of that fact in Earshot.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max is the longest wait a header can ask for: a clock far off, or a value
// in another unit, must not hold a source or a delivery back for longer.
const Max = 24 * time.Hour

// Parse returns the wait a Retry-After value v asks for, counted from now:
// delay seconds ("120"; "59.0" as Reddit writes its rate-limit headers too)
// or an HTTP-date. It reports false for an empty or unreadable value, a
// sign, NaN or infinity, a zero wait and a date not after now. A wait
// longer than Max is cut to Max.
func Parse(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if d, ok := Seconds(v); ok {
		return d, true
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0, false
	}
	return min(t.Sub(now), Max), true
}

// Seconds parses a positive number of seconds written as digits with an
// optional fraction ("60", "59.0"), cut to Max. Anything else (a sign, an
// exponent, "NaN", "Inf", hexadecimal) is refused, as is zero.
func Seconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	whole, frac, _ := strings.Cut(v, ".")
	if !digits(whole) || (strings.Contains(v, ".") && !digits(frac)) {
		return 0, false
	}
	// Digits alone fail to parse only out of range: an overflow is +Inf,
	// which is cut to Max, and an underflow is 0.
	f, _ := strconv.ParseFloat(v, 64)
	if f <= 0 {
		return 0, false
	}
	if f >= Max.Seconds() {
		return Max, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
