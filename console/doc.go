// Package console is Earshot's web console, served by `earshot serve` at
// /: sign-in with an API key, the inbox of Scans with live updates and
// triage, the monitors with their health, charts and a form, the
// connections with their delivery log and dead letters.
//
// It is a client of the API, in process: every read and write goes
// through api.API with the signed-in key (see api.WithKeyHash), so it
// answers with the API's own checks, field errors and namespace
// isolation. Pages are rendered on the server with html/template, which
// escapes every value; the one script, static/app.js, does the writes and
// the live updates. Assets are embedded; nothing is fetched from elsewhere.
package console
