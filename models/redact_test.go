package models

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://crm.example.com/webhooks/earshot", "https://crm.example.com/webhooks/earshot"},
		{"https://bob:hunter2@crm.example.com/hook?token=s3cret&x=1#frag", "https://<secret>@crm.example.com/hook?<redacted>"},
		{"https://bob@crm.example.com:8443/hook", "https://<secret>@crm.example.com:8443/hook"},
		{"http://crm.example.com/hook?", "http://crm.example.com/hook?<redacted>"},
		{"https://bob:pw@bad host/%zz?token=s3cret", "https://<redacted>"},
	} {
		got := RedactURL(tc.in)
		if got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, secret := range []string{"bob", "hunter2", "s3cret", "frag", "pw"} {
			if strings.Contains(got, secret) {
				t.Errorf("RedactURL(%q) = %q shows %q", tc.in, got, secret)
			}
		}
	}
	inner := errors.New("connection refused")
	if got := WithoutURL(&url.Error{Op: "Post", URL: "https://bob@x/?token=s3cret", Err: inner}); got != inner {
		t.Errorf("WithoutURL kept the url.Error: %v", got)
	}
}
