package api

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/earshothq/earshot/internal/testredis"
)

// A :rotateSecret racing a DELETE of the same connection never brings the
// deleted connection back: the rotation is the store's conditional update,
// which finds the connection gone (404) or is seen by the DELETE.
func TestRotateSecretRacingDelete(t *testing.T) {
	const rounds = 300
	for _, b := range testredis.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			de := newDeliveryEnv(t, b.URL(t))
			send := func(method, path string) (int, error) {
				req, _ := http.NewRequest(method, de.srv.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+acmeKey)
				if method == http.MethodPost {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, err
				}
				resp.Body.Close()
				return resp.StatusCode, nil
			}
			back := 0
			for i := range rounds {
				path := "/v1/namespaces/acme/connections/race" + strconv.Itoa(i)
				must(t, de.post("/v1/namespaces/acme/connections?connectionId=race"+strconv.Itoa(i), acmeKey,
					`{"url":"https://crm.example.com/hook"}`), 200)
				var wg sync.WaitGroup
				start := make(chan struct{})
				var rotated, deleted int
				var rerr, derr error
				wg.Add(2)
				go func() { defer wg.Done(); <-start; rotated, rerr = send(http.MethodPost, path+":rotateSecret") }()
				go func() { defer wg.Done(); <-start; deleted, derr = send(http.MethodDelete, path) }()
				close(start)
				wg.Wait()
				if rerr != nil || derr != nil {
					t.Fatalf("round %d: %v, %v", i, rerr, derr)
				}
				if deleted != http.StatusOK || (rotated != http.StatusOK && rotated != http.StatusNotFound) {
					t.Fatalf("round %d: DELETE %d, :rotateSecret %d", i, deleted, rotated)
				}
				if r := de.get(path, acmeKey); r.Status != http.StatusNotFound {
					back++
				}
			}
			if back > 0 {
				t.Errorf("the deleted connection came back in %d of %d rounds", back, rounds)
			}
		})
	}
}
