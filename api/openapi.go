package api

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
	"github.com/earshothq/earshot/store"
)

// The OpenAPI 3.1 document is built here, not written by hand: the
// resources' schemas are generated from the very Go types the handlers
// encode, with the enums, bounds and descriptions of the annotations
// below, so a field added to a model appears in the document by itself.
// The API tests validate every response they get against this document,
// and check that it lists exactly the operations the router serves.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// outputOnlyFields are the fields of each resource that the server sets;
// they are ignored in request bodies and may not be named in an updateMask.
var outputOnlyFields = map[reflect.Type][]string{
	reflect.TypeFor[models.Namespace]():  {"name", "createTime", "updateTime", "etag"},
	reflect.TypeFor[models.Connection](): {"name", "createTime", "updateTime", "etag", "previousSecrets", "disableTime", "disabledReason"},
	reflect.TypeFor[models.Manager]():    {"name", "createTime", "updateTime", "etag", "status"},
	reflect.TypeFor[scanView]():          {"name", "createTime", "updateTime", "etag", "post", "match"},
}

// annotations add to the generated schema of a field, by "Type.field".
var annotations = map[string]obj{
	"Meta.name":       {"readOnly": true, "description": "The resource name, e.g. namespaces/acme/managers/reddit-leads. Ids appear in the API only within names."},
	"Meta.createTime": {"readOnly": true, "description": "When the resource was created (RFC 3339)."},
	"Meta.updateTime": {"readOnly": true, "description": "When the resource last changed (RFC 3339)."},
	"Meta.etag":       {"description": "Changes with every write. Send it back in an update or a delete (or as If-Match) to have it refused with 409 ABORTED if the resource changed meanwhile (AIP-154)."},

	"Connection.type":            {"enum": catalog.Channels.ConnectionTypes(), "description": "Defaults to HTTP_CONNECTION. " + channelDocs()},
	"Connection.url":             {"format": "uri", "description": "The webhook's URL: absolute, http or https. Required by the channels that post to a URL."},
	"Connection.method":          {"enum": notify.ConnectionMethods, "description": "HTTP_CONNECTION only. Defaults to POST."},
	"Connection.headers":         {"description": "Headers sent with every delivery, e.g. X-Advite-Webhook-Secret. Content-Type, Content-Length, Host and the webhook-* headers are Earshot's."},
	"Connection.secret":          {"description": "Standard Webhooks signing secret (whsec_ and base64 of 24 to 64 bytes). Generated when left out; readable by the namespace's keys."},
	"Connection.disabled":        {"description": "A disabled connection receives nothing until enabled again."},
	"Connection.previousSecrets": {"readOnly": true},
	"Connection.disableTime":     {"readOnly": true},
	"Connection.disabledReason":  {"readOnly": true},

	"Manager.type":     {"enum": []string{models.ManagerTypeFeed}, "description": "Defaults to FEED_MANAGER."},
	"Manager.enable":   {"description": "Defaults to true. A disabled manager is not polled."},
	"Manager.schedule": {"description": "A five-field cron spec, a descriptor (@hourly) or @every <duration>. Defaults to @every 1m."},
	"Manager.status":   {"readOnly": true, "description": "Output only: how the manager's polls are going. Its changes do not change the etag."},
	"ManagerStatus.state": {"enum": models.ManagerStates,
		"description": "DISABLED: enable is false; FAILING: the last poll of the source failed (lastError says why; polls back off exponentially, nextPollTime says until when); HEALTHY otherwise."},
	"ManagerStatus.lastError":    {"description": "Why the last poll failed, while the manager is FAILING; URLs in it lose their query string and user."},
	"ManagerStatus.postsRead24h": {"description": "Posts read from the source (or ingested) in the last 24 hours."},
	"ManagerStatus.matches24h":   {"description": "Scans created in the last 24 hours."},
	"Scan.state":                 {"enum": models.ScanStates, "description": "Triage: NEW until someone reads or archives it. Writable with UpdateScan."},
	"Scan.tags":                  {"description": "Triage labels (at most 20, each 1 to 40 characters, no commas or quotes). Writable with UpdateScan."},
	"Source.type":                {"enum": catalog.Sources.Types(), "description": "Required. " + sourceDocs()},
	"Source.include":             {"items": obj{"enum": sourceIncludes()}, "description": "The kinds of item read, among those the source type offers."},
	"Source.backfill":            {"description": "How far back the first poll reaches (Go duration, default 24h)."},
	"Input.type":                 {"enum": []string{models.InputTypeStructured}, "description": "Defaults to STRUCTURED."},
	"Input.urls":                 {"items": obj{"format": "uri"}, "description": "Pages about what to look for (e.g. your site). At least one of keywords, urls and query is required."},
	"Input.query":                {"description": "Boolean query over the post's text (AND, OR, NOT, quotes, parentheses)."},
	"Focus.type":                 {"enum": matcher.FocusTypes(), "description": "Required. " + focusDocs()},
	"Focus.minScore":             {"minimum": 0, "maximum": 1},
	"Focus.threshold":            {"minimum": 0, "exclusiveMaximum": 1},
	"Focus.polarity":             {"enum": []string{matcher.PolarityNegative, matcher.PolarityPositive}},
	"Focus.factor":               {"minimum": 1},
	"Focus.minPosts":             {"minimum": 1},
	"Notice.type":                {"enum": catalog.Channels.NoticeTypes(), "description": "The notice type of the connection's channel. Defaults to HTTP_REQUEST."},
	"Notice.events":              {"items": obj{"enum": models.NoticeEvents}, "description": "The event types the notice receives. Default: all (SCAN and SPIKE)."},
	"Notice.minScore":            {"minimum": 0, "maximum": 1, "description": "SCANs whose match scores below it are not sent to this notice. Default: every match of the manager."},
	"Notice.intents":             {"items": obj{"enum": models.IntentStages}, "description": "Only SCANs whose match.intent (a SALES match's purchase-intent stage) is one of these; a match without a stage is left out. Default: every SCAN."},
	"Notice.digest":              {"description": "EMAIL_MESSAGE only: collect the period's SCANs and send them as one email, newest first (an empty period sends nothing)."},
	"Digest.every":               {"description": "The period: 1h, 24h or 168h (hourly, daily, weekly on Mondays); written back as a Go duration (24h0m0s)."},
	"Digest.at":                  {"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "Local time of day the digest is sent (HH:MM; an hourly digest uses only the minutes). Default 00:00."},
	"Digest.timeZone":            {"description": "IANA time zone of at, e.g. Europe/Berlin. Default UTC."},
	"SMTP.tls":                   {"enum": []string{"STARTTLS", "TLS", "NONE"}, "description": "STARTTLS (default, port 587), TLS from the first byte (port 465) or NONE (port 25, local relays only)."},
	"SMTP.port":                  {"minimum": 0, "maximum": 65535, "description": "Default: the TLS mode's port."},
	"SMTP.password":              {"description": "Readable by the namespace's keys; never written into errors, logs or delivery records."},
	"Notice.connection": {"description": "A connection of the manager's own namespace: namespaces/{namespace}/connections/{connection}.",
		"pattern": "^namespaces/[^/]+/connections/[^/]+$"},

	// How a focus judges posts (issue 12).
	"Focus.model":           {"enum": models.SentimentModels, "description": "The sentiment model of match.sentiment, which SENTIMENT and CRISIS judge by: LEARNED (default, the embedded model) or VADER."},
	"Focus.stages":          {"items": obj{"enum": models.IntentStages}, "description": "The purchase-intent stages SALES matches; all when left out."},
	"Focus.allowPromotions": {"description": "SALES: keep giveaways, affiliate and DM-me offers, job ads, link farms and mass-posted text, which are otherwise not leads."},
	"Match.intent":          {"enum": append([]string{""}, models.IntentStages...), "description": "SALES: the purchase-intent stage, \"\" when there is none."},
}

// schemaGen turns Go types into JSON Schemas (2020-12, OpenAPI 3.1's
// dialect), named after the type, collected in components.
type schemaGen struct {
	components obj
	// required lists, by component, the fields a response always has.
	required map[string][]string
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	durationType  = reflect.TypeFor[models.Duration]()
	timestampType = reflect.TypeFor[models.Timestamp]()
)

func (g *schemaGen) schema(t reflect.Type) obj {
	switch t {
	case timeType:
		return obj{"type": "string", "format": "date-time"}
	case durationType:
		return obj{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`, "description": "A Go duration such as 90s, 15m or 24h."}
	case timestampType:
		return obj{"type": "string", "description": "RFC 3339 in UTC, or \"\" when unknown."}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice:
		return obj{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.components[name]; !ok {
			g.components[name] = nil // reserve: types may be recursive
			g.components[name] = g.object(t)
		}
		return ref(name)
	}
	return obj{}
}

// object is the schema of a struct type: its JSON fields, those of
// embedded structs promoted.
func (g *schemaGen) object(t reflect.Type) obj {
	props := obj{}
	var required []string
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				add(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := props[name]; dup {
				continue
			}
			s := g.schema(f.Type)
			owner := t.Name()
			if ann, ok := annotations[owner+"."+name]; ok {
				s = merged(s, ann)
			}
			props[name] = s
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
		}
	}
	add(t)
	g.kindProperties(t, props)
	s := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		g.required[t.Name()] = required
	}
	return s
}

// kindProperties adds to a source's or a connection's schema the fields of
// every kind, each saying which types take it: the kinds own them.
func (g *schemaGen) kindProperties(t reflect.Type, props obj) {
	type owned struct {
		typ    reflect.Type
		owners []string
	}
	fields := map[string]*owned{}
	var order []string
	add := func(owner string, st reflect.Type) {
		if st == nil {
			return
		}
		for name, ft := range models.JSONFields(st) {
			if _, common := props[name]; common {
				continue
			}
			if fields[name] == nil {
				fields[name] = &owned{typ: ft}
				order = append(order, name)
			}
			fields[name].owners = append(fields[name].owners, owner)
		}
	}
	switch t {
	case reflect.TypeFor[models.Source]():
		for _, k := range catalog.Sources.All() {
			add(k.Type, k.SettingsType())
		}
	case reflect.TypeFor[models.Connection]():
		for _, k := range catalog.Channels.All() {
			add(k.ConnectionType, k.SettingsType())
		}
	default:
		return
	}
	slices.Sort(order)
	for _, name := range order {
		f := fields[name]
		props[name] = merged(g.schema(f.typ), obj{"description": "Only for type " + strings.Join(f.owners, ", ") + "."})
	}
}

func channelDocs() string {
	var b strings.Builder
	for _, k := range catalog.Channels.All() {
		b.WriteString(k.ConnectionType + " (notices of type " + k.NoticeType + "): " + k.Doc + ". ")
	}
	return strings.TrimSpace(b.String())
}

func sourceDocs() string {
	var b strings.Builder
	for _, k := range catalog.Sources.All() {
		b.WriteString(k.Type + ": " + k.Doc + " ")
	}
	return strings.TrimSpace(b.String())
}

func sourceIncludes() []string {
	var out []string
	for _, k := range catalog.Sources.All() {
		for _, inc := range k.Includes {
			if !slices.Contains(out, inc) {
				out = append(out, inc)
			}
		}
	}
	return out
}

func focusDocs() string {
	docs := matcher.FocusDocs()
	parts := make([]string, 0, len(docs))
	for _, t := range matcher.FocusTypes() {
		parts = append(parts, t+": "+docs[t])
	}
	return strings.Join(parts, "; ") + "."
}

// merged combines a generated schema with its annotation. A $ref gets its
// annotations beside it (allowed in 3.1); "items" is merged into the
// array's items.
func merged(s, ann obj) obj {
	out := obj{}
	for k, v := range s {
		out[k] = v
	}
	for k, v := range ann {
		if k == "items" {
			items := obj{}
			if cur, ok := out["items"].(obj); ok {
				for ik, iv := range cur {
					items[ik] = iv
				}
			}
			for ik, iv := range v.(obj) {
				items[ik] = iv
			}
			out["items"] = items
			continue
		}
		out[k] = v
	}
	return out
}

// alwaysSent lists, beyond its non-omitempty fields, the fields of a
// resource every response has: its metadata, and what the server fills in.
var alwaysSent = map[string][]string{
	"Namespace":  {"name", "createTime", "updateTime", "etag"},
	"Connection": {"name", "createTime", "updateTime", "etag", "secret", "method"},
	"Manager":    {"name", "createTime", "updateTime", "etag"},
	"Scan":       {"name", "createTime", "updateTime", "etag", "state", "tags"},
}

// output is the schema of a resource in a response: the component, with
// the fields the server always sends required.
func (g *schemaGen) output(name string) obj {
	req := append(slices.Clone(g.required[name]), alwaysSent[name]...)
	slices.Sort(req)
	req = slices.Compact(req)
	if len(req) == 0 {
		return ref(name)
	}
	return obj{"allOf": []any{ref(name), obj{"required": req}}}
}

// The parts of operations.
var (
	paramNS = obj{"name": "ns", "in": "path", "required": true, "description": "The namespace's id.", "schema": obj{"type": "string"}}
	paramC  = obj{"name": "c", "in": "path", "required": true, "description": "The connection's id.", "schema": obj{"type": "string"}}
	paramM  = obj{"name": "m", "in": "path", "required": true, "description": "The manager's id; - in a scans list means every manager of the namespace.", "schema": obj{"type": "string"}}
	paramS  = obj{"name": "s", "in": "path", "required": true, "description": "The scan's id.", "schema": obj{"type": "string"}}

	paramPageSize = obj{"name": "pageSize", "in": "query", "description": "At most this many results (default 50; more than 1000 is taken as 1000).",
		"schema": obj{"type": "integer", "minimum": 0}}
	paramPageToken = obj{"name": "pageToken", "in": "query", "description": "The nextPageToken of the previous page, unchanged.",
		"schema": obj{"type": "string"}}
	paramUpdateMask = obj{"name": "updateMask", "in": "query",
		"description": "Comma-separated field paths to write, in the JSON names (nickname,input.focus.type); * replaces every writable field. Without it, the fields present in the body are written.",
		"schema":      obj{"type": "string"}}
	paramIfMatch = obj{"name": "If-Match", "in": "header", "description": "The etag the resource must still have (an alternative to the body's etag).",
		"schema": obj{"type": "string"}}
)

func idParam(name, what string) obj {
	return obj{"name": name, "in": "query", "description": "The id of the new " + what + " (1 to 63 lowercase letters, digits and -, not starting with -); generated when left out.",
		"schema": obj{"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"}}
}

func jsonBody(schema obj, required bool) obj {
	return obj{"required": required, "content": obj{"application/json": obj{"schema": schema}}}
}

func okResponse(desc string, schema obj) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
}

// errorResponses are the errors an operation can answer, by status.
func errorResponses(codes ...string) obj {
	desc := map[string]string{
		"400": "INVALID_ARGUMENT: malformed JSON (with its byte offset), an unknown field, a wrong type, a missing required field, a bad URL or enum value, a bad query parameter or page token. details lists each field's problem.",
		"401": "UNAUTHENTICATED: no API key, or not a valid one.",
		"403": "PERMISSION_DENIED: the key may not use this namespace (the same whether it exists or not), or the method needs an admin key.",
		"404": "NOT_FOUND: the resource (or its namespace or manager) does not exist.",
		"405": "UNIMPLEMENTED: the path exists, the method does not.",
		"409": "ABORTED: the etag is stale, or concurrent writes got in the way; ALREADY_EXISTS: the id is taken; FAILED_PRECONDITION: the connection is still used by managers (they are named).",
		"413": "PAYLOAD_TOO_LARGE: the body is larger than 1 MiB.",
		"415": "UNSUPPORTED_MEDIA_TYPE: the body is not application/json (utf-8).",
		"500": "INTERNAL: a failure of the server; nothing about it is disclosed.",
		"503": "UNAVAILABLE: Redis does not answer; nothing was done. Retry after the Retry-After header's seconds.",
	}
	out := obj{}
	for _, c := range codes {
		out[c] = obj{"$ref": "#/components/responses/E" + c, "description": desc[c]}
	}
	return out
}

func responses(success obj, errs ...string) obj {
	// Every path answers its other methods with 405, and every operation
	// answers 503 while Redis is down.
	r := errorResponses(append([]string{"401", "405", "500", "503"}, errs...)...)
	r["200"] = success
	return r
}

func op(id, summary string, params []obj, body obj, resp obj) obj {
	o := obj{"operationId": id, "summary": summary, "responses": resp}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = body
	}
	return o
}

func listResponse(field, item string, g *schemaGen) obj {
	return obj{"type": "object", "required": []string{field},
		"properties": obj{
			field:           obj{"type": "array", "items": g.output(item)},
			"nextPageToken": obj{"type": "string", "description": "The token of the next page; absent on the last page."},
		}}
}

// openAPIDocument returns the OpenAPI 3.1 description of the API.
func openAPIDocument() obj {
	g := &schemaGen{components: obj{}, required: map[string][]string{}}
	for _, t := range []reflect.Type{reflect.TypeFor[models.Namespace](), reflect.TypeFor[models.Connection](), reflect.TypeFor[models.Manager](), reflect.TypeFor[scanView](), reflect.TypeFor[models.FieldError]()} {
		g.schema(t)
	}
	// The scan view is a Scan as the API shows it.
	g.components["Scan"] = g.components["scanView"]
	g.required["Scan"] = g.required["scanView"]
	delete(g.components, "scanView")

	g.components["Error"] = obj{"type": "object", "required": []string{"error"}, "properties": obj{
		"error": obj{"type": "object", "required": []string{"code", "status", "message"}, "properties": obj{
			"code":    obj{"type": "integer", "description": "The HTTP status."},
			"status":  obj{"type": "string", "enum": []string{"INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED", "NOT_FOUND", "UNIMPLEMENTED", "ABORTED", "ALREADY_EXISTS", "FAILED_PRECONDITION", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "INTERNAL", "UNAVAILABLE"}},
			"message": obj{"type": "string"},
			"details": obj{"type": "array", "items": ref("FieldError"), "description": "For INVALID_ARGUMENT: each field's problem; field is the JSON path (input.focus.type, notices[0].connection, headers[\"X\"]) or the query parameter."},
		}},
	}}
	g.components["Empty"] = obj{"type": "object", "properties": obj{}}
	var examples []any
	for _, k := range catalog.Channels.All() {
		if k.Example != nil {
			examples = append(examples, k.Example)
		}
	}
	g.components["Connection"].(obj)["examples"] = examples

	errResp := obj{}
	for _, c := range []string{"400", "401", "403", "404", "405", "409", "413", "415", "500", "503"} {
		errResp["E"+c] = okResponse("Error "+c, ref("Error"))
	}
	errResp["E503"].(obj)["headers"] = obj{"Retry-After": obj{"description": "Seconds to wait before retrying.", "schema": obj{"type": "integer"}}}

	nsWrite := []string{"400", "403", "404", "409", "413", "415"}
	nsRead := []string{"400", "403", "404"}
	paths := obj{
		"/v1/namespaces": obj{
			"post": op("CreateNamespace", "Create a namespace (admin keys only).",
				[]obj{idParam("namespaceId", "namespace")},
				jsonBody(ref("Namespace"), false),
				responses(okResponse("The namespace.", g.output("Namespace")), "400", "403", "409", "413", "415")),
			"get": op("ListNamespaces", "List the namespaces (admin keys only).",
				[]obj{paramPageSize, paramPageToken}, nil,
				responses(okResponse("A page of namespaces, by id.", listResponse("namespaces", "Namespace", g)), "400", "403")),
		},
		"/v1/namespaces/{ns}": obj{
			"parameters": []obj{paramNS},
			"get": op("GetNamespace", "Get a namespace (admin keys and the namespace's own keys).", nil, nil,
				responses(okResponse("The namespace.", g.output("Namespace")), nsRead...)),
			"delete": op("DeleteNamespace", "Delete a namespace and everything in it: connections, managers, scans, API keys (admin keys only).",
				[]obj{paramIfMatch}, jsonBody(ref("DeleteRequest"), false),
				responses(okResponse("Deleted.", ref("Empty")), nsWrite...)),
		},
		"/v1/namespaces/{ns}/connections": obj{
			"parameters": []obj{paramNS},
			"post": op("CreateConnection", "Create a connection: a webhook receiver.",
				[]obj{idParam("connectionId", "connection")},
				jsonBody(obj{"allOf": []any{ref("Connection"), obj{"required": []string{"url"}}}}, true),
				responses(okResponse("The connection, with its signing secret.", g.output("Connection")), nsWrite...)),
			"get": op("ListConnections", "List the namespace's connections, by id.",
				[]obj{paramPageSize, paramPageToken}, nil,
				responses(okResponse("A page of connections.", listResponse("connections", "Connection", g)), nsRead...)),
		},
		"/v1/namespaces/{ns}/connections/{c}": obj{
			"parameters": []obj{paramNS, paramC},
			"get": op("GetConnection", "Get a connection.", nil, nil,
				responses(okResponse("The connection.", g.output("Connection")), nsRead...)),
			"patch": op("UpdateConnection", "Update a connection (AIP-134).",
				[]obj{paramUpdateMask, paramIfMatch}, jsonBody(ref("Connection"), true),
				responses(okResponse("The updated connection.", g.output("Connection")), nsWrite...)),
			"delete": op("DeleteConnection", "Delete a connection; refused (409 FAILED_PRECONDITION) while a manager's notice names it.",
				[]obj{paramIfMatch}, jsonBody(ref("DeleteRequest"), false),
				responses(okResponse("Deleted.", ref("Empty")), nsWrite...)),
		},
		"/v1/namespaces/{ns}/managers": obj{
			"parameters": []obj{paramNS},
			"post": op("CreateManager", "Create a manager: a monitor. It is polled from its next tick on, by every Earshot process.",
				[]obj{idParam("managerId", "manager")},
				jsonBody(obj{"allOf": []any{ref("Manager"), obj{"required": []string{"source", "input"},
					"properties": obj{
						"source": obj{"required": []string{"type"}},
						"input":  obj{"required": []string{"focus"}, "properties": obj{"focus": obj{"required": []string{"type"}}}},
					}}}}, true),
				responses(okResponse("The manager.", g.output("Manager")), nsWrite...)),
			"get": op("ListManagers", "List the namespace's managers, by id.",
				[]obj{paramPageSize, paramPageToken}, nil,
				responses(okResponse("A page of managers.", listResponse("managers", "Manager", g)), nsRead...)),
		},
		"/v1/namespaces/{ns}/managers/{m}": obj{
			"parameters": []obj{paramNS, paramM},
			"get": op("GetManager", "Get a manager.", nil, nil,
				responses(okResponse("The manager.", g.output("Manager")), nsRead...)),
			"patch": op("UpdateManager", "Update a manager (AIP-134); takes effect at the next tick.",
				[]obj{paramUpdateMask, paramIfMatch}, jsonBody(ref("Manager"), true),
				responses(okResponse("The updated manager.", g.output("Manager")), nsWrite...)),
			"delete": op("DeleteManager", "Delete a manager and its scans.",
				[]obj{paramIfMatch}, jsonBody(ref("DeleteRequest"), false),
				responses(okResponse("Deleted.", ref("Empty")), nsWrite...)),
		},
		"/v1/namespaces/{ns}/managers/{m}/scans": obj{
			"parameters": []obj{paramNS, paramM},
			"get": op("ListScans", "List a manager's scans, newest first; managers/-/scans lists those of every manager of the namespace.",
				[]obj{paramPageSize, paramPageToken, {"name": "filter", "in": "query",
					"description": `Terms joined by AND (AIP-160): createTime > "2026-06-13T12:00:00Z" (or >=, <, <=; > polls incrementally), state = NEW (or !=), tags:"hot lead", match.focus = SALES, post.type = REDDIT_LINK, platform = REDDIT, and a quoted text (or bare word) that must appear, in any case, in the post's title, text, author or URL. A page reads at most ` + strconv.Itoa(store.DefaultMaxExamined) + ` scans: with a filter that keeps few, it may come back short or empty with a nextPageToken to go on from.`,
					"schema":      obj{"type": "string"}}}, nil,
				responses(okResponse("A page of scans.", listResponse("scans", "Scan", g)), nsRead...)),
		},
		"/v1/namespaces/{ns}/managers/{m}/scans/{s}": obj{
			"parameters": []obj{paramNS, paramM, paramS},
			"get": op("GetScan", "Get a scan.", nil, nil,
				responses(okResponse("The scan.", g.output("Scan")), nsRead...)),
			"patch": op("UpdateScan", "Triage a scan: write its state and tags (AIP-134; the other fields are output only).",
				[]obj{paramUpdateMask, paramIfMatch}, jsonBody(obj{"type": "object", "properties": obj{
					"state": obj{"type": "string", "enum": models.ScanStates},
					"tags":  obj{"type": "array", "items": obj{"type": "string", "minLength": 1, "maxLength": models.MaxScanTagLen}, "maxItems": models.MaxScanTags},
					"etag":  obj{"type": "string"}}}, true),
				responses(okResponse("The updated scan.", g.output("Scan")), nsWrite...)),
		},
	}
	ingestPaths(g, paths)
	deliveryPaths(g, paths)
	g.components["DeleteRequest"] = obj{"type": "object", "properties": obj{"etag": obj{"type": "string",
		"description": "The etag the resource must still have (AIP-154)."}}}

	return obj{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": obj{
			"title":       "Earshot API",
			"version":     "v1",
			"description": "Self-hosted social listening: namespaces, connections (webhook receivers), managers (monitors) and the scans they find. Resource names, standard methods, field masks, etags and pagination follow Google's AIPs, as Advite's API does.",
		},
		"servers":  []obj{{"url": "/"}},
		"security": []obj{{"bearer": []string{}}},
		"paths":    paths,
		"components": obj{
			"schemas":         g.components,
			"responses":       errResp,
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "description": "An API key: Authorization: Bearer <key>. A namespace's key sees only its namespace; admin keys see everything."}},
		},
	}
}

func mustMarshalDoc(doc obj) []byte {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("api: encode the OpenAPI document: " + err.Error())
	}
	return append(b, '\n')
}
