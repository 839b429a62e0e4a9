package api

import (
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
)

// A delivery id that names one of the record's internal keys, or nothing a
// delivery could be, is a 404, not a 500 (WRONGTYPE).
func TestDeliveryIDsNamingInternalKeys(t *testing.T) {
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			de := newDeliveryEnv(t, b.URL(t))
			must(t, de.post("/v1/namespaces/acme/connections?connectionId=crm", acmeKey, `{"url":"`+de.rcv.URL+`/hook"}`), 200)
			// Two failed attempts and a good one: the record's attempts
			// list exists (the first attempt lives in the record itself).
			de.status.Store(500)
			id := de.deliver(t, "s1")
			de.waitState(t, id, models.DeliveryFailed)
			base := "/v1/namespaces/acme/connections/crm/deliveries/"
			must(t, de.post(base+id+":retry", acmeKey, nil), 200)
			de.waitState(t, id, models.DeliveryFailed)
			de.status.Store(200)
			must(t, de.post(base+id+":retry", acmeKey, nil), 200)
			de.waitState(t, id, models.DeliveryDelivered)
			for _, bad := range []string{id + ":attempts", id + "%3Aattempts", "..%2F" + id, "MSG_X", "msg_", id + "%00"} {
				r := de.get(base+bad, acmeKey)
				if r.Status != 404 || r.str("error.status") != "NOT_FOUND" {
					t.Errorf("GET %s: %s, want 404", bad, r)
				}
			}
			r := de.post(base+id+":attempts:retry", acmeKey, nil)
			if r.Status != 404 {
				t.Errorf("retry of %s:attempts: %s, want 404", id, r)
			}
			must(t, de.get(base+id, acmeKey), 200)
		})
	}
}
