package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// Options configure the API.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// ValidateSchedule checks a manager's schedule; the scheduler, which
	// interprets it, provides it (scheduler.ValidateSchedule). Nil:
	// unchecked. Everything else of a manager is checked by
	// catalog.ValidateManager.
	ValidateSchedule func(spec string) error
	// Ingest takes the posts pushed to POST …/posts:ingest
	// (pipeline.Poller.Ingest); nil answers that method with a 500.
	Ingest IngestFunc
	// Deliveries serves the delivery records, redrives, connection tests
	// and secret rotation (notify.Service); nil answers them with a 500.
	Deliveries Deliveries
}

// API is the REST API's http.Handler: it serves /v1/… and GET
// /openapi.json. Mount it on both.
type API struct {
	store *store.Store
	log   *slog.Logger
	opts  Options
	mux   *http.ServeMux
	// ops lists every operation routed, "METHOD /path" (custom methods
	// as "POST /path:verb"), so a test can hold the OpenAPI document to it.
	ops     []string
	openapi []byte
}

// New returns the API on opts.Store.
func New(opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	a := &API{store: opts.Store, log: opts.Logger, opts: opts, mux: http.NewServeMux()}
	a.routes(newRouter(a))
	a.openapi = mustMarshalDoc(openAPIDocument())
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// routes declares every operation.
//
// Adding operations from another file (the webhook deliveries of notify,
// say): write them in api/deliveries.go as
//
//	func (a *API) deliveryRoutes(rt *router) {
//		rt.handle("GET", "/v1/namespaces/{ns}/connections/{c}/deliveries", namespaceKey, a.listDeliveries)
//		rt.handle("GET", "/v1/namespaces/{ns}/connections/{c}/deliveries/{d}", namespaceKey, a.getDelivery)
//		rt.verb("/v1/namespaces/{ns}/connections/{c}", "test", namespaceKey, a.testConnection)
//		rt.verb("/v1/namespaces/{ns}/connections/{c}", "rotateSecret", namespaceKey, a.rotateSecret)
//		rt.verb("/v1/namespaces/{ns}/connections/{c}/deliveries/{d}", "retry", namespaceKey, a.retryDelivery)
//	}
//
// and add the one line `a.deliveryRoutes(rt)` at the end of this function.
// rt.verb routes the AIP-136 custom method POST …/{c}:test: ServeMux
// cannot split a segment on ':', so the router takes the suffix off the
// last wildcard, sets the wildcard to the bare id and picks the handler by
// verb. Handlers get the namespace checked and authorised already; they
// return an *Error for the client, or any other error for a logged 500.
// Describe each new operation in openapi.go too (add the paths in a
// function of your file and call it from openAPIDocument): a test checks
// that the router and the document list the same operations.
func (a *API) routes(rt *router) {
	a.mux.HandleFunc("GET /openapi.json", a.serveOpenAPI)
	a.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, "no such resource or method: %s %s", r.Method, r.URL.Path))
	})

	const (
		namespaces  = "/v1/namespaces"
		namespace   = "/v1/namespaces/{ns}"
		connections = "/v1/namespaces/{ns}/connections"
		connection  = "/v1/namespaces/{ns}/connections/{c}"
		managers    = "/v1/namespaces/{ns}/managers"
		manager     = "/v1/namespaces/{ns}/managers/{m}"
		scans       = "/v1/namespaces/{ns}/managers/{m}/scans"
		scan        = "/v1/namespaces/{ns}/managers/{m}/scans/{s}"
	)
	rt.handle("POST", namespaces, adminOnly, a.createNamespace)
	rt.handle("GET", namespaces, adminOnly, a.listNamespaces)
	rt.handle("GET", namespace, namespaceKey, a.getNamespace)
	rt.handle("DELETE", namespace, adminOnly, a.deleteNamespace)

	rt.handle("POST", connections, namespaceKey, a.createConnection)
	rt.handle("GET", connections, namespaceKey, a.listConnections)
	rt.handle("GET", connection, namespaceKey, a.getConnection)
	rt.handle("PATCH", connection, namespaceKey, a.updateConnection)
	rt.handle("DELETE", connection, namespaceKey, a.deleteConnection)

	rt.handle("POST", managers, namespaceKey, a.createManager)
	rt.handle("GET", managers, namespaceKey, a.listManagers)
	rt.handle("GET", manager, namespaceKey, a.getManager)
	rt.handle("PATCH", manager, namespaceKey, a.updateManager)
	rt.handle("DELETE", manager, namespaceKey, a.deleteManager)

	rt.handle("GET", scans, namespaceKey, a.listScans)
	rt.handle("GET", scan, namespaceKey, a.getScan)
	rt.handle("PATCH", scan, namespaceKey, a.updateScan)
	a.ingestRoutes(rt)
	a.deliveryRoutes(rt)
}

// access says which keys may call an operation.
type access int

const (
	// adminOnly: admin keys only.
	adminOnly access = iota
	// namespaceKey: the keys of the path's {ns}, and admin keys. The
	// namespace must exist.
	namespaceKey
)

// handler serves one operation. An *Error is answered as it is; any other
// error is logged and answered as a bare 500.
type handler func(w http.ResponseWriter, r *http.Request, c *call) error

// call is what the router established about a request.
type call struct {
	key *store.APIKey
	ns  string // the path's {ns}, when it has one
	log *slog.Logger
}

// router registers operations on the API's mux.
type router struct {
	a *API
	// methods lists each path's methods, for the 405 answer of the others.
	methods map[string][]string
	// verbs lists each path's custom methods.
	verbs map[string]map[string]route
}

type route struct {
	acc access
	h   handler
}

func newRouter(a *API) *router {
	return &router{a: a, methods: map[string][]string{}, verbs: map[string]map[string]route{}}
}

// handle routes method path (a ServeMux pattern) to h.
func (rt *router) handle(method, path string, acc access, h handler) {
	rt.a.mux.Handle(method+" "+path, rt.a.wrap(route{acc, h}))
	rt.a.ops = append(rt.a.ops, method+" "+path)
	rt.allow(path, method)
}

// verb routes the custom method POST path:verb to h (AIP-136). path ends
// with a wildcard, the resource's id.
func (rt *router) verb(path, verb string, acc access, h handler) {
	rt.a.ops = append(rt.a.ops, "POST "+path+":"+verb)
	if rt.verbs[path] == nil {
		rt.verbs[path] = map[string]route{}
		wildcard := path[strings.LastIndex(path, "{")+1 : len(path)-1]
		rt.a.mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			id, v, ok := strings.Cut(r.PathValue(wildcard), ":")
			if !ok {
				rt.methodNotAllowed(w, path)
				return
			}
			rv, ok := rt.verbs[path][v]
			if !ok {
				writeError(w, newError(http.StatusNotFound, "no custom method :%s here", v))
				return
			}
			r.SetPathValue(wildcard, id)
			rt.a.wrap(rv).ServeHTTP(w, r)
		})
		rt.allow(path, "POST")
	}
	rt.verbs[path][verb] = route{acc, h}
}

// allow notes that path has method, and answers the path's other methods
// with a JSON 405 (ServeMux's own is plain text).
func (rt *router) allow(path, method string) {
	if _, ok := rt.methods[path]; !ok {
		rt.a.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { rt.methodNotAllowed(w, path) })
	}
	if !slices.Contains(rt.methods[path], method) {
		rt.methods[path] = append(rt.methods[path], method)
	}
}

func (rt *router) methodNotAllowed(w http.ResponseWriter, path string) {
	allowed := rt.methods[path]
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, newError(http.StatusMethodNotAllowed, "method not allowed here; allowed: %s", strings.Join(allowed, ", ")))
}

// statusWriter remembers the status written, for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// wrap authenticates and authorises a request, checks its namespace
// exists, runs the handler and answers its error.
func (a *API) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		c := &call{ns: r.PathValue("ns"), log: a.log}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("api: handler panicked", "method", r.Method, "route", r.Pattern, "panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, internalError)
				}
			}
			a.log.Debug("api request", "method", r.Method, "route", r.Pattern, "namespace", c.ns,
				"status", sw.status, "duration_ms", time.Since(start).Milliseconds())
		}()
		err := a.authorize(r, rt.acc, c)
		if err == nil && c.ns != "" {
			err = a.namespaceExists(r.Context(), c.ns)
		}
		if err == nil {
			err = rt.h(sw, r, c)
		}
		if err != nil {
			e := asAPIError(err)
			switch {
			case e != nil:
			case store.IsUnavailable(err):
				a.log.Warn("api: redis unavailable", "method", r.Method, "route", r.Pattern, "namespace", c.ns, "error", err)
				e = unavailableError
			default:
				a.log.Error("api: request failed", "method", r.Method, "route", r.Pattern, "namespace", c.ns, "error", err)
				e = internalError
			}
			switch e.Code {
			case http.StatusUnauthorized:
				w.Header().Set("WWW-Authenticate", `Bearer realm="earshot"`)
			case http.StatusServiceUnavailable:
				w.Header().Set("Retry-After", unavailableRetryAfter)
			}
			writeError(sw, e)
		}
	})
}

func (a *API) namespaceExists(ctx context.Context, ns string) error {
	_, err := a.store.GetNamespace(ctx, ns)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(models.NamespaceName(ns))
	}
	return err
}

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.openapi)
}
