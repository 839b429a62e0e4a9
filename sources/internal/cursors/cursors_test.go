package cursors

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/earshothq/earshot/models"
)

type cursor struct {
	Version int            `json:"v"`
	Windows map[string]int `json:"windows"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		want   cursor
		ok     bool
		warned bool
	}{
		{"nothing stored", ``, cursor{}, false, false},
		{"null", `null`, cursor{}, false, false},
		{"a cursor of this version", `{"v":2,"windows":{"a":1}}`, cursor{Version: 2, Windows: map[string]int{"a": 1}}, true, false},
		{"another version", `{"v":1,"windows":{"a":1}}`, cursor{}, false, true},
		{"no version", `{"windows":{"a":1}}`, cursor{}, false, true},
		{"not JSON", `{"v":2,`, cursor{}, false, true},
		{"the version but another shape", `{"v":2,"windows":[1]}`, cursor{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			got, ok := Decode[cursor](log, "test", json.RawMessage(tt.raw), 2)
			if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if warned := strings.Contains(logs.String(), "test: unreadable cursor"); warned != tt.warned {
				t.Errorf("warned %v, want %v: %s", warned, tt.warned, logs.String())
			}
		})
	}
}

func TestResult(t *testing.T) {
	posts := []models.Post{{ID: "1"}}
	res, err := Result("test", posts, cursor{Version: 2})
	if err != nil || string(res.Cursor) != `{"v":2,"windows":null}` || len(res.Posts) != 1 {
		t.Errorf("Result = %s, %v, %v", res.Cursor, res.Posts, err)
	}
	if _, err := Result("test", posts, math.Inf(1)); err == nil || !strings.HasPrefix(err.Error(), "test: encoding cursor: ") {
		t.Errorf("unencodable cursor: %v", err)
	}
}
