package api

import (
	"strings"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
	"github.com/earshothq/earshot/models"
)

// A connection URL's user name, password and query string appear neither
// in a :test answer nor in a delivery's lastError and attempts.
func TestCredentialedURLIsRedactedInAnswers(t *testing.T) {
	de := newDeliveryEnv(t, testredis.Embedded(t))
	const url = "http://alice:hunter2@127.0.0.1:1/hook?token=s3cret"
	must(t, de.post("/v1/namespaces/acme/connections?connectionId=crm", acmeKey, `{"url":"`+url+`"}`), 200)
	base := "/v1/namespaces/acme/connections/crm"
	test := must(t, de.post(base+":test", acmeKey, nil), 200)
	id := de.deliver(t, "s1")
	d := de.waitState(t, id, models.DeliveryFailed)
	for name, r := range map[string]*response{":test": test, "delivery": d} {
		body := string(r.Raw)
		if !strings.Contains(body, "127.0.0.1:1/hook") {
			t.Errorf("%s does not name the (redacted) URL: %s", name, body)
		}
		for _, secret := range []string{"alice", "hunter2", "s3cret", "token="} {
			if strings.Contains(body, secret) {
				t.Errorf("%s shows %q: %s", name, secret, body)
			}
		}
	}
}
