package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/store"
)

// Deliveries is what the delivery operations need: notify.Service.
type Deliveries interface {
	ListDeliveries(ctx context.Context, ns, conn string, q store.DeliveryQuery) ([]*models.Delivery, string, error)
	GetDelivery(ctx context.Context, ns, conn, id string) (*models.Delivery, error)
	Retry(ctx context.Context, ns, conn, id string) (*models.Delivery, error)
	Redrive(ctx context.Context, ns, conn string, since time.Time) (int, error)
	Test(ctx context.Context, ns, conn string) (*notify.TestResult, error)
	RotateSecret(ctx context.Context, ns, conn string) (*models.Connection, error)
}

func (a *API) deliveryRoutes(rt *router) {
	const (
		connection = "/v1/namespaces/{ns}/connections/{c}"
		deliveries = "/v1/namespaces/{ns}/connections/{c}/deliveries"
		delivery   = "/v1/namespaces/{ns}/connections/{c}/deliveries/{d}"
	)
	rt.handle("GET", deliveries, namespaceKey, a.listDeliveries)
	rt.handle("GET", delivery, namespaceKey, a.getDelivery)
	rt.verb(delivery, "retry", namespaceKey, a.retryDelivery)
	rt.verb(connection, "redrive", namespaceKey, a.redriveDeliveries)
	rt.verb(connection, "test", namespaceKey, a.testConnection)
	rt.verb(connection, "rotateSecret", namespaceKey, a.rotateSecret)
}

// errNoDeliveries answers when the API was built without a delivery
// service (a configuration error of ours, hence a logged 500).
var errNoDeliveries = errors.New("api: no delivery service configured")

type listDeliveriesResponse struct {
	Deliveries    []*models.Delivery `json:"deliveries"`
	NextPageToken string             `json:"nextPageToken,omitempty"`
}

// deliveryFilter is the one filter the deliveries list takes: state = X.
var deliveryFilter = regexp.MustCompile(`^\s*state\s*=\s*("([A-Z]+)"|([A-Z]+))\s*$`)

func parseDeliveryFilter(f string) (string, error) {
	if f == "" {
		return "", nil
	}
	m := deliveryFilter.FindStringSubmatch(f)
	if m == nil {
		return "", invalidField("filter", "unsupported filter: the deliveries list takes state = %s", strings.Join(models.DeliveryStates, " | "))
	}
	state := m[2] + m[3]
	if !slices.Contains(models.DeliveryStates, state) {
		return "", invalidField("filter", "state must be one of %s", strings.Join(models.DeliveryStates, ", "))
	}
	return state, nil
}

// connectionExists answers 404 for a connection that does not exist.
func (a *API) connectionExists(ctx context.Context, ns, id string) error {
	_, err := a.store.GetConnection(ctx, ns, id)
	return storeError(err, models.ConnectionName(ns, id))
}

// listDeliveries lists a connection's deliveries, newest first; with a
// state filter, by the time they entered that state (FAILED: the dead
// letters, latest failure first).
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	q, err := query(r, "pageSize", "pageToken", "filter")
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	state, err := parseDeliveryFilter(q.Get("filter"))
	if err != nil {
		return err
	}
	conn := r.PathValue("c")
	tok, err := readPageToken(q, queryDigest("deliveries", c.ns, conn, state))
	if err != nil {
		return err
	}
	if err := a.connectionExists(r.Context(), c.ns, conn); err != nil {
		return err
	}
	list, next, err := a.opts.Deliveries.ListDeliveries(r.Context(), c.ns, conn, store.DeliveryQuery{State: state, PageSize: size, PageToken: tok.After})
	if errors.Is(err, store.ErrBadPageToken) {
		return invalidField("pageToken", "is not a page token of this API: pass the nextPageToken of a previous page unchanged")
	}
	if err != nil {
		return err
	}
	resp := listDeliveriesResponse{Deliveries: list}
	if resp.Deliveries == nil {
		resp.Deliveries = []*models.Delivery{}
	}
	if next != "" {
		resp.NextPageToken = encodePageToken(pageToken{Query: tok.Query, After: next})
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) getDelivery(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	if _, err := query(r); err != nil {
		return err
	}
	conn, id := r.PathValue("c"), r.PathValue("d")
	if err := a.connectionExists(r.Context(), c.ns, conn); err != nil {
		return err
	}
	if !models.ValidDeliveryID(id) {
		return notFound(models.DeliveryName(c.ns, conn, id))
	}
	d, err := a.opts.Deliveries.GetDelivery(r.Context(), c.ns, conn, id)
	if err != nil {
		return storeError(err, models.DeliveryName(c.ns, conn, id))
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// retryDelivery attempts one delivery again now, with its webhook-id.
func (a *API) retryDelivery(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	if err := readEmptyCall(w, r); err != nil {
		return err
	}
	conn, id := r.PathValue("c"), r.PathValue("d")
	if err := a.connectionExists(r.Context(), c.ns, conn); err != nil {
		return err
	}
	if !models.ValidDeliveryID(id) {
		return notFound(models.DeliveryName(c.ns, conn, id))
	}
	d, err := a.opts.Deliveries.Retry(r.Context(), c.ns, conn, id)
	if err != nil {
		return storeError(err, models.DeliveryName(c.ns, conn, id))
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// redriveRequest is the optional body of :redrive.
type redriveRequest struct {
	// Since limits the redrive to dead letters that failed at or after
	// this time; all of them when left out.
	Since *time.Time `json:"since,omitempty"`
}

type redriveResponse struct {
	RedrivenCount int `json:"redrivenCount"`
}

// redriveDeliveries sends a connection's dead letters again.
func (a *API) redriveDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	if _, err := query(r); err != nil {
		return err
	}
	var req redriveRequest
	if _, e := decodeBody(w, r, &req, true); e != nil {
		return e
	}
	conn := r.PathValue("c")
	if err := a.connectionExists(r.Context(), c.ns, conn); err != nil {
		return err
	}
	var since time.Time
	if req.Since != nil {
		since = *req.Since
	}
	n, err := a.opts.Deliveries.Redrive(r.Context(), c.ns, conn, since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, redriveResponse{RedrivenCount: n})
	return nil
}

// testConnection sends a TEST event and reports the receiver's answer. A
// receiver that fails is a result, not an error: the answer is a 200 with
// success false.
func (a *API) testConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	if err := readEmptyCall(w, r); err != nil {
		return err
	}
	conn := r.PathValue("c")
	res, err := a.opts.Deliveries.Test(r.Context(), c.ns, conn)
	if err != nil {
		return storeError(err, models.ConnectionName(c.ns, conn))
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// rotateSecret gives a connection a new signing secret; the old one keeps
// signing beside it for 24 hours.
func (a *API) rotateSecret(w http.ResponseWriter, r *http.Request, c *call) error {
	if a.opts.Deliveries == nil {
		return errNoDeliveries
	}
	if err := readEmptyCall(w, r); err != nil {
		return err
	}
	id := r.PathValue("c")
	conn, err := a.opts.Deliveries.RotateSecret(r.Context(), c.ns, id)
	if err != nil {
		return storeError(err, models.ConnectionName(c.ns, id))
	}
	setEtag(w, conn.Etag)
	writeJSON(w, http.StatusOK, conn)
	return nil
}

func init() {
	annotations["Delivery.state"] = obj{"enum": models.DeliveryStates,
		"description": "PENDING: waiting for its first attempt (or redriven); RETRYING: an attempt failed, another is scheduled at nextAttemptTime; DELIVERED: a 2xx arrived; FAILED: a dead letter (final answer, retries exhausted, or held back while the connection was disabled)."}
	annotations["Delivery.webhookId"] = obj{"description": "The webhook-id header: the same on every attempt, retry and redrive of this event to this connection, for receivers to deduplicate."}
	annotations["Delivery.event"] = obj{"description": "The event's resource name: a scan, a spike, or the connection for a TEST."}
	annotations["Delivery.eventType"] = obj{"enum": []string{models.EventScan, models.EventSpike, models.EventTest}}
	annotations["Delivery.attempts"] = obj{"description": "The most recent HTTP attempts, oldest first (at most 100); attemptCount counts them all."}
	annotations["Attempt.responseBody"] = obj{"description": "The first KiB of the receiver's answer."}
	annotations["TestResult.challengeEchoed"] = obj{"description": "The answer's body contained the challenge: the receiver read the event, not just accepted the request."}
}

// deliveryPaths describes the delivery operations in the OpenAPI document.
func deliveryPaths(g *schemaGen, paths obj) {
	for _, t := range []reflect.Type{reflect.TypeFor[models.Delivery](), reflect.TypeFor[notify.TestResult]()} {
		g.schema(t)
	}
	paramD := obj{"name": "d", "in": "path", "required": true, "description": "The delivery's id (its webhook-id).", "schema": obj{"type": "string"}}
	read := []string{"400", "403", "404"}
	write := []string{"400", "403", "404", "413", "415"}
	paths["/v1/namespaces/{ns}/connections/{c}/deliveries"] = obj{
		"parameters": []obj{paramNS, paramC},
		"get": op("ListDeliveries", "List a connection's deliveries (with every attempt), newest first; filtered by state, in the order they entered it: filter=state=FAILED lists the dead letters, latest failure first.",
			[]obj{paramPageSize, paramPageToken, {"name": "filter", "in": "query",
				"description": "state = PENDING | RETRYING | DELIVERED | FAILED", "schema": obj{"type": "string"}}}, nil,
			responses(okResponse("A page of deliveries.", listResponse("deliveries", "Delivery", g)), read...)),
	}
	paths["/v1/namespaces/{ns}/connections/{c}/deliveries/{d}"] = obj{
		"parameters": []obj{paramNS, paramC, paramD},
		"get": op("GetDelivery", "Get a delivery with its attempts.", nil, nil,
			responses(okResponse("The delivery.", g.output("Delivery")), read...)),
	}
	paths["/v1/namespaces/{ns}/connections/{c}/deliveries/{d}:retry"] = obj{
		"parameters": []obj{paramNS, paramC, paramD},
		"post": op("RetryDelivery", "Attempt a delivery again now, with the same webhook-id: a dead letter or a delivered one is sent afresh; one waiting for a retry has it brought forward.",
			nil, jsonBody(ref("Empty"), false),
			responses(okResponse("The delivery.", g.output("Delivery")), write...)),
	}
	paths["/v1/namespaces/{ns}/connections/{c}:redrive"] = obj{
		"parameters": []obj{paramNS, paramC},
		"post": op("RedriveDeliveries", "Send every dead letter (FAILED delivery) of the connection again, each with its webhook-id; with since, only those that failed at or after it.",
			nil, jsonBody(obj{"type": "object", "properties": obj{"since": obj{"type": "string", "format": "date-time",
				"description": "Only dead letters that failed at or after this time (RFC 3339)."}}}, false),
			responses(okResponse("How many were redriven.", obj{"type": "object", "required": []string{"redrivenCount"},
				"properties": obj{"redrivenCount": obj{"type": "integer", "minimum": 0}}}), write...)),
	}
	paths["/v1/namespaces/{ns}/connections/{c}:test"] = obj{
		"parameters": []obj{paramNS, paramC},
		"post": op("TestConnection", `Send the connection a signed TEST event, {"type":"TEST","name":"namespaces/…/connections/…","data":{"challenge":"…"}}, and report the answer: status, latency, and whether the body echoed the challenge. Not retried nor recorded; a receiver that fails is reported with success false.`,
			nil, jsonBody(ref("Empty"), false),
			responses(okResponse("The receiver's answer.", g.output("TestResult")), write...)),
	}
	paths["/v1/namespaces/{ns}/connections/{c}:rotateSecret"] = obj{
		"parameters": []obj{paramNS, paramC},
		"post": op("RotateConnectionSecret", "Give the connection a new signing secret. The old one keeps signing for 24 hours: deliveries carry both v1 signatures meanwhile (previousSecrets lists it).",
			nil, jsonBody(ref("Empty"), false),
			responses(okResponse("The connection with its new secret.", g.output("Connection")), write...)),
	}
}
