package matcher

import (
	"errors"
	"net/http"

	"github.com/earshothq/earshot/models"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func failingClient() *http.Client {
	return &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("offline test")
	})}
}

// validateErr is Validate as one error (nil when the manager compiles).
func validateErr(mgr *models.Manager) error {
	if errs := Validate(mgr); len(errs) > 0 {
		return CompileError(errs)
	}
	return nil
}
