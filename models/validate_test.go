package models

import (
	"strings"
	"testing"
)

// secret returns a well-formed signing secret of n random-looking bytes.
func TestValidID(t *testing.T) {
	tests := []struct {
		id      string
		wantErr string
	}{
		{"acme", ""},
		{"a", ""},
		{"0day", ""},
		{"reddit-leads-2", ""},
		{strings.Repeat("a", 63), ""},
		{"", "invalid id: must not be empty"},
		{strings.Repeat("a", 64), "invalid id: must be at most 63 characters"},
		{"Acme", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"-acme", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"ac_me", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"ac/me", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
		{"acmé", "invalid id: must hold only lowercase letters, digits and '-', and start with a letter or digit"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := ValidID(tt.id)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("ValidID(%q) = %q, want %q", tt.id, got, tt.wantErr)
			}
		})
	}
}

func TestDefaultsAndApplyDefaults(t *testing.T) {
	d := DefaultManager()
	if !d.Enable || d.Type != ManagerTypeFeed || d.Input.Type != InputTypeStructured {
		t.Errorf("DefaultManager() = %+v; want enabled FEED_MANAGER with STRUCTURED input", d)
	}

	m := Manager{Notices: []Notice{{Connection: "namespaces/a/connections/b"}, {Type: "OTHER"}}}
	m.ApplyDefaults()
	if m.Type != ManagerTypeFeed || m.Input.Type != InputTypeStructured || m.Notices[0].Type != NoticeTypeHTTP || m.Notices[1].Type != "OTHER" {
		t.Errorf("ApplyDefaults() = %+v", m)
	}
	if m.Enable {
		t.Error("ApplyDefaults() turned enable on; only a decoder's starting point (DefaultManager) does")
	}

	c := Connection{Method: "PUT"}
	c.ApplyDefaults()
	if c.Type != ConnectionTypeHTTP || c.Method != "PUT" {
		t.Errorf("ApplyDefaults() = %+v", c)
	}
	c = Connection{}
	c.ApplyDefaults()
	if c.Method != "POST" {
		t.Errorf("ApplyDefaults() method = %q, want POST", c.Method)
	}
}

func TestFieldErrorError(t *testing.T) {
	if got := (FieldError{Field: "input.focus.type", Description: "must be one of SALES"}).Error(); got != "input.focus.type: must be one of SALES" {
		t.Errorf("Error() = %q", got)
	}
}
