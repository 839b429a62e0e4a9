package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	if s, err := c.sessionOf(r); err == nil {
		http.Redirect(w, r, homeOf(s), http.StatusSeeOther)
		return
	}
	c.renderSignin(w, r, http.StatusOK, "")
}

func (c *Console) renderSignin(w http.ResponseWriter, r *http.Request, code int, msg string) {
	tok := randomToken()
	http.SetCookie(w, c.cookie(r, loginCookie, tok, 600))
	c.render(w, code, "signin", page{Title: "Sign in", Data: map[string]string{"Token": tok, "Error": msg}})
}

// maxKeyLen bounds a key typed into the sign-in form.
const maxKeyLen = 200

// signin checks the key, makes a session and sets its cookie. The form
// carries a CSRF token of its own (double submit), so another site
// cannot sign a browser in with the site's key.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	ck, err := r.Cookie(loginCookie)
	if err != nil || !sameOrigin(r) || ck.Value == "" || r.PostFormValue("csrf") != ck.Value {
		c.renderSignin(w, r, http.StatusForbidden, "The sign-in form expired; try again.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" || len(key) > maxKeyLen {
		c.renderSignin(w, r, http.StatusUnauthorized, "Enter an API key.")
		return
	}
	k, err := c.store.LookupAPIKey(r.Context(), store.HashAPIKey(key))
	if errors.Is(err, store.ErrNotFound) {
		c.log.Info("console: sign-in refused: unknown key")
		c.renderSignin(w, r, http.StatusUnauthorized, "That API key is not valid.")
		return
	}
	if err != nil {
		c.log.Error("console: sign-in failed", "error", err)
		c.renderSignin(w, r, http.StatusServiceUnavailable, "The console cannot reach its store; try again.")
		return
	}
	id, s, err := c.newSession(r.Context(), k)
	if err != nil {
		c.log.Error("console: sign-in failed", "error", err)
		c.renderSignin(w, r, http.StatusServiceUnavailable, "The console cannot reach its store; try again.")
		return
	}
	c.log.Info("console: signed in", "key_id", k.ID, "namespace", k.Namespace, "admin", k.Admin)
	http.SetCookie(w, c.cookie(r, loginCookie, "", -1))
	http.SetCookie(w, c.cookie(r, sessionCookie, id, int(c.ttl.Seconds())))
	http.Redirect(w, r, homeOf(s), http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request, s *session) error {
	if err := c.endSession(r); err != nil {
		return err
	}
	http.SetCookie(w, c.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

func homeOf(s *session) string {
	if s.Admin {
		return "/"
	}
	return "/ns/" + url.PathEscape(s.Namespace) + "/inbox"
}

// home sends a namespace key to its inbox and shows an admin key the
// namespaces.
func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	if !s.Admin {
		http.Redirect(w, r, homeOf(s), http.StatusSeeOther)
		return nil
	}
	var resp struct {
		Namespaces []models.Namespace `json:"namespaces"`
	}
	if err := c.call(r.Context(), s, "GET", "/v1/namespaces?pageSize=1000", nil, &resp); err != nil {
		return err
	}
	c.render(w, http.StatusOK, "home", page{Title: "Namespaces", Session: s, Data: resp.Namespaces})
	return nil
}

// scanItem is a scan as the API answers it.
type scanItem struct {
	Name       string      `json:"name"`
	CreateTime time.Time   `json:"createTime"`
	UpdateTime time.Time   `json:"updateTime"`
	Etag       string      `json:"etag"`
	Post       models.Post `json:"post"`
	Match      *matchItem  `json:"match"`
	State      string      `json:"state"`
	Tags       []string    `json:"tags"`
	// Monitor is the nickname (or id) of the scan's manager.
	Monitor string `json:"-"`
}

type matchItem struct {
	Focus     string   `json:"focus"`
	Score     float64  `json:"score"`
	Sentiment float64  `json:"sentiment"`
	Intent    string   `json:"intent"`
	Reasons   []string `json:"reasons"`
}

// ManagerID is the id of the scan's manager.
func (s scanItem) ManagerID() string {
	p := strings.Split(s.Name, "/")
	if len(p) < 4 {
		return ""
	}
	return p[3]
}

// IntentLabel is the match's intent: the API's, or for a sales match the
// purchase-intent cue its reasons name.
func (s scanItem) IntentLabel() string {
	if s.Match == nil {
		return ""
	}
	if s.Match.Intent != "" {
		return s.Match.Intent
	}
	if s.Match.Focus == matcher.FocusSales {
		for _, r := range s.Match.Reasons {
			if strings.HasPrefix(r, "purchase intent") {
				return "purchase intent"
			}
		}
	}
	return ""
}

// inboxQuery is the inbox's filter form.
type inboxQuery struct {
	Manager, Focus, Platform, State, Tag, Text string
}

func readInboxQuery(r *http.Request) inboxQuery {
	q := r.URL.Query()
	get := func(k string, max int) string {
		v := strings.TrimSpace(q.Get(k))
		if len(v) > max {
			v = v[:max]
		}
		return v
	}
	iq := inboxQuery{Manager: get("monitor", 63), Focus: get("focus", 20), Platform: get("platform", 30),
		State: get("state", 20), Tag: get("tag", models.MaxScanTagLen*4), Text: get("q", 200)}
	if iq.State == "" {
		iq.State = "inbox"
	}
	return iq
}

// quote writes v as a filter's quoted string.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// filter is the API filter of the form.
func (q inboxQuery) filter() string {
	var terms []string
	switch q.State {
	case "inbox":
		terms = append(terms, "state != ARCHIVED")
	case "all":
	default:
		terms = append(terms, "state = "+quote(q.State))
	}
	if q.Focus != "" {
		terms = append(terms, "match.focus = "+quote(q.Focus))
	}
	if q.Platform != "" {
		terms = append(terms, "platform = "+quote(q.Platform))
	}
	if q.Tag != "" {
		terms = append(terms, "tags:"+quote(q.Tag))
	}
	if q.Text != "" {
		terms = append(terms, quote(q.Text))
	}
	return strings.Join(terms, " AND ")
}

// values is the form as query parameters.
func (q inboxQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"monitor": q.Manager, "focus": q.Focus, "platform": q.Platform, "state": q.State, "tag": q.Tag, "q": q.Text} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func (q inboxQuery) parent() string {
	if q.Manager == "" {
		return "-"
	}
	return q.Manager
}

type managerList struct {
	Managers []models.Manager `json:"managers"`
}

func (c *Console) listManagers(r *http.Request, s *session, ns string) ([]models.Manager, error) {
	var ml managerList
	err := c.call(r.Context(), s, "GET", "/v1/namespaces/"+url.PathEscape(ns)+"/managers?pageSize=1000", nil, &ml)
	return ml.Managers, err
}

type scanList struct {
	Scans         []scanItem `json:"scans"`
	NextPageToken string     `json:"nextPageToken"`
}

func (c *Console) listScans(r *http.Request, s *session, ns string, q inboxQuery, extra, pageToken string, size int) (scanList, error) {
	f := q.filter()
	if extra != "" {
		f = strings.TrimPrefix(f+" AND "+extra, " AND ")
	}
	v := url.Values{"pageSize": {strconv.Itoa(size)}}
	if f != "" {
		v.Set("filter", f)
	}
	if pageToken != "" {
		v.Set("pageToken", pageToken)
	}
	var sl scanList
	err := c.call(r.Context(), s, "GET", "/v1/namespaces/"+url.PathEscape(ns)+"/managers/"+url.PathEscape(q.parent())+"/scans?"+v.Encode(), nil, &sl)
	return sl, err
}

func nicknames(ms []models.Manager) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		id := m.Name[strings.LastIndex(m.Name, "/")+1:]
		out[id] = m.Nickname
		if m.Nickname == "" {
			out[id] = id
		}
	}
	return out
}

func (c *Console) inbox(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	managers, err := c.listManagers(r, s, ns)
	if err != nil {
		return err
	}
	q := readInboxQuery(r)
	pageToken := r.URL.Query().Get("pageToken")
	if len(pageToken) > 2000 {
		pageToken = ""
	}
	sl, err := c.listScans(r, s, ns, q, "", pageToken, 50)
	if err != nil {
		return err
	}
	names := nicknames(managers)
	for i := range sl.Scans {
		sl.Scans[i].Monitor = names[sl.Scans[i].ManagerID()]
	}
	since := c.now().UTC()
	if len(sl.Scans) > 0 && pageToken == "" {
		since = sl.Scans[0].CreateTime
	}
	ev := q.values()
	ev.Set("since", since.Format(time.RFC3339Nano))
	older := ""
	if sl.NextPageToken != "" {
		ov := q.values()
		ov.Set("pageToken", sl.NextPageToken)
		older = "?" + ov.Encode()
	}
	c.render(w, http.StatusOK, "inbox", page{Title: "Inbox", Session: s, NS: ns, Nav: "inbox", Data: map[string]any{
		"Query": q, "Scans": sl.Scans, "Managers": managers, "Events": "/ns/" + url.PathEscape(ns) + "/inbox/events?" + ev.Encode(),
		"Older": older, "Live": pageToken == "",
		"Focuses": matcher.FocusTypes(), "Platforms": platforms(),
		"States": []string{"inbox", models.ScanNew, models.ScanRead, models.ScanArchived, "all"},
	}})
	return nil
}

func (c *Console) monitors(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	managers, err := c.listManagers(r, s, ns)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "monitors", page{Title: "Monitors", Session: s, NS: ns, Nav: "monitors", Data: managers})
	return nil
}

type connectionList struct {
	Connections []models.Connection `json:"connections"`
}

func (c *Console) listConnections(r *http.Request, s *session, ns string) ([]models.Connection, error) {
	var cl connectionList
	err := c.call(r.Context(), s, "GET", "/v1/namespaces/"+url.PathEscape(ns)+"/connections?pageSize=1000", nil, &cl)
	return cl.Connections, err
}

// formData is what the monitor form shows.
type formData struct {
	New         bool
	Manager     models.Manager
	ID          string
	Connections []models.Connection
	// Kinds are the source kinds, each with its own fields.
	Kinds   []sourceKindForm
	Focuses []string
	Chart   *chart
}

func newFormData(isNew bool, m models.Manager, conns []models.Connection) formData {
	return formData{New: isNew, Manager: m, Connections: conns, Kinds: sourceKindForms(&m), Focuses: matcher.FocusTypes()}
}

// HasNotice reports whether the manager sends to the connection.
func (f formData) HasNotice(conn string) bool {
	return slices.ContainsFunc(f.Manager.Notices, func(n models.Notice) bool { return n.Connection == conn })
}

// Lines joins a list one item a line, for a textarea.
func (f formData) Lines(l []string) string { return strings.Join(l, "\n") }

// platforms are the platforms of the polled source kinds, for the inbox's
// filter.
func platforms() []string {
	var out []string
	for _, k := range catalog.Sources.All() {
		if !k.Pushed {
			out = append(out, k.Type)
		}
	}
	return out
}

func (c *Console) monitorForm(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	conns, err := c.listConnections(r, s, ns)
	if err != nil {
		return err
	}
	m := models.DefaultManager()
	m.Source.Type = catalog.Sources.Types()[0]
	m.Input.Focus.Type = matcher.FocusTypes()[0]
	c.render(w, http.StatusOK, "monitor", page{Title: "New monitor", Session: s, NS: ns, Nav: "monitors", Data: newFormData(true, m, conns)})
	return nil
}

func (c *Console) monitor(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, id := r.PathValue("ns"), r.PathValue("m")
	var m models.Manager
	// Read through the API first: it decides whether this key may see it.
	if err := c.call(r.Context(), s, "GET", "/v1/namespaces/"+url.PathEscape(ns)+"/managers/"+url.PathEscape(id), nil, &m); err != nil {
		return err
	}
	conns, err := c.listConnections(r, s, ns)
	if err != nil {
		return err
	}
	hours, err := c.store.ManagerHours(r.Context(), ns, id, chartHours)
	if err != nil {
		return err
	}
	title := m.Nickname
	if title == "" {
		title = id
	}
	fd := newFormData(false, m, conns)
	fd.ID, fd.Chart = id, newChart(hours)
	c.render(w, http.StatusOK, "monitor", page{Title: title, Session: s, NS: ns, Nav: "monitors", Data: fd})
	return nil
}

func (c *Console) connections(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	conns, err := c.listConnections(r, s, ns)
	if err != nil {
		return err
	}
	c.render(w, http.StatusOK, "connections", page{Title: "Connections", Session: s, NS: ns, Nav: "connections", Data: conns})
	return nil
}

type deliveryList struct {
	Deliveries    []models.Delivery `json:"deliveries"`
	NextPageToken string            `json:"nextPageToken"`
}

func (c *Console) connection(w http.ResponseWriter, r *http.Request, s *session) error {
	ns, id := r.PathValue("ns"), r.PathValue("c")
	base := "/v1/namespaces/" + url.PathEscape(ns) + "/connections/" + url.PathEscape(id)
	var conn models.Connection
	if err := c.call(r.Context(), s, "GET", base, nil, &conn); err != nil {
		return err
	}
	var all, dead deliveryList
	if err := c.call(r.Context(), s, "GET", base+"/deliveries?pageSize=50", nil, &all); err != nil {
		return err
	}
	if err := c.call(r.Context(), s, "GET", base+"/deliveries?pageSize=200&filter="+url.QueryEscape("state = FAILED"), nil, &dead); err != nil {
		return err
	}
	title := conn.Nickname
	if title == "" {
		title = id
	}
	c.render(w, http.StatusOK, "connection", page{Title: title, Session: s, NS: ns, Nav: "connections", Data: map[string]any{
		"Connection": conn, "ID": id, "Deliveries": all.Deliveries, "Dead": dead.Deliveries,
	}})
	return nil
}
