package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/earshothq/earshot/models"
)

// page is what every template gets.
type page struct {
	Title string
	// Session is nil on the sign-in page.
	Session *session
	// NS is the namespace shown.
	NS string
	// Nav names the section of the navigation that is current.
	Nav  string
	Data any
}

// CSRF is the session's token, for the page's script and forms.
func (p page) CSRF() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.CSRF
}

var funcs = template.FuncMap{
	"safeURL":   safeURL,
	"excerpt":   excerpt,
	"when":      when,
	"ago":       ago,
	"platform":  platformOf,
	"score":     func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"sentiment": func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"join":      strings.Join,
	"lower":     strings.ToLower,
	"pathEsc":   url.PathEscape,
	"lastPart":  func(name string) string { return name[strings.LastIndex(name, "/")+1:] },
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"redactURL": models.RedactURL,
	"dict2":     func(k1 string, v1 any, k2 string, v2 any) map[string]any { return map[string]any{k1: v1, k2: v2} },
}

// parsePages parses every page with the layout.
func parsePages() map[string]*template.Template {
	names := []string{"signin", "home", "inbox", "monitors", "monitor", "connections", "connection", "error"}
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		out[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return out
}

// render writes a page; the template's output is buffered, so that a
// template error answers a clean 500.
func (c *Console) render(w http.ResponseWriter, code int, name string, p page) {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("console: render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func (c *Console) renderError(w http.ResponseWriter, r *http.Request, s *session, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/app/") || r.Header.Get("Accept") == "application/json" {
		writeJSONError(w, code, http.StatusText(code), msg)
		return
	}
	c.render(w, code, "error", page{Title: http.StatusText(code), Session: s, NS: r.PathValue("ns"),
		Data: map[string]any{"Code": code, "Message": msg}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// safeURL returns u when it is an absolute http(s) URL, and "" otherwise:
// post and author links come from strangers, and only those schemes are
// linked (javascript:, data: and the like are not).
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
		return ""
	}
	return p.String()
}

// excerpt shortens s to about n characters, at a word boundary.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i > n/2 {
		return string(r)[:i] + "…"
	}
	return string(r) + "…"
}

func when(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil || v.IsZero() {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	}
	return ""
}

func ago(t any) string {
	var v time.Time
	switch x := t.(type) {
	case time.Time:
		v = x
	case *time.Time:
		if x == nil {
			return "never"
		}
		v = *x
	}
	if v.IsZero() {
		return "never"
	}
	d := time.Since(v)
	switch {
	case d < 0:
		return "in " + roundDur(-d)
	case d < time.Minute:
		return "just now"
	}
	return roundDur(d) + " ago"
}

func roundDur(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(math.Round(d.Hours()/24)))
}

// platformOf names a post type's platform (REDDIT_COMMENT → Reddit).
func platformOf(postType string) string {
	p, _, _ := strings.Cut(postType, "_")
	switch p {
	case "REDDIT":
		return "Reddit"
	case "TWITTER":
		return "X"
	case "FACEBOOK":
		return "Facebook"
	case "HACKERNEWS":
		return "Hacker News"
	case "":
		return "unknown"
	}
	return strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
}
