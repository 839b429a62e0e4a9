package catalog_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
)

// TestNoticeMatchesConnection: a notice's type is its connection's
// channel, digests only where the channel offers them.
func TestNoticeMatchesConnection(t *testing.T) {
	conns := map[string]*models.Connection{
		"namespaces/acme/connections/crm":   {Type: "HTTP_CONNECTION"},
		"namespaces/acme/connections/slack": {Type: "SLACK_CONNECTION"},
		"namespaces/acme/connections/mail":  {Type: "EMAIL_CONNECTION"},
	}
	daily := &models.Digest{Every: models.Duration(24 * time.Hour), At: "09:00", TimeZone: "Europe/Berlin"}
	for _, tc := range []struct {
		name   string
		notice models.Notice
		want   []models.FieldError
	}{
		{"slack to slack", models.Notice{Type: "SLACK_MESSAGE", Connection: "namespaces/acme/connections/slack"}, nil},
		{"slack notice to a webhook", models.Notice{Type: "SLACK_MESSAGE", Connection: "namespaces/acme/connections/crm"},
			[]models.FieldError{fe("notices[0].type", "a SLACK_MESSAGE notice needs a SLACK_CONNECTION, and this connection is a HTTP_CONNECTION")}},
		{"http notice to email", models.Notice{Type: "HTTP_REQUEST", Connection: "namespaces/acme/connections/mail"},
			[]models.FieldError{fe("notices[0].type", "a HTTP_REQUEST notice needs a HTTP_CONNECTION, and this connection is a EMAIL_CONNECTION")}},
		{"email digest", models.Notice{Type: "EMAIL_MESSAGE", Connection: "namespaces/acme/connections/mail", Digest: daily}, nil},
		{"slack digest", models.Notice{Type: "SLACK_MESSAGE", Connection: "namespaces/acme/connections/slack", Digest: daily},
			[]models.FieldError{fe("notices[0].digest", "a SLACK_MESSAGE notice sends each event; digests are offered by EMAIL_MESSAGE")}},
		{"bad digest period", models.Notice{Type: "EMAIL_MESSAGE", Connection: "namespaces/acme/connections/mail", Digest: &models.Digest{Every: models.Duration(time.Minute)}},
			[]models.FieldError{fe("notices[0].digest.every", "must be one of 1h, 24h, 168h")}},
		{"unknown intent", models.Notice{Type: "SLACK_MESSAGE", Connection: "namespaces/acme/connections/slack", Intents: []string{"LEAD"}},
			[]models.FieldError{fe("notices[0].intents[0]", "must be one of SEEKING, COMPARING, DECIDING, PURCHASED")}},
		{"unknown event", models.Notice{Type: "SLACK_MESSAGE", Connection: "namespaces/acme/connections/slack", Events: []string{"LEAD"}},
			[]models.FieldError{fe("notices[0].events[0]", "must be one of SCAN, SPIKE")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := validManager()
			m.Notices = []models.Notice{tc.notice}
			got := catalog.ValidateManager(&m, func(name string) *models.Connection { return conns[name] })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ValidateManager =\n%v\nwant\n%v", got, tc.want)
			}
		})
	}
}
