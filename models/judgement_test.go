package models

import (
	"reflect"
	"testing"
)

func TestFocusJudgementFields(t *testing.T) {
	tests := []struct {
		name  string
		focus Focus
		want  []FieldError
	}{
		{"defaults", Focus{Type: FocusSales}, nil},
		{"vader", Focus{Type: FocusSentiment, Model: SentimentModelVADER}, nil},
		{"learned", Focus{Type: FocusCrisis, Model: SentimentModelLearned}, nil},
		{"unknown model", Focus{Type: FocusSentiment, Model: "BERT"},
			[]FieldError{{"input.focus.model", mustBeOneOf(SentimentModels...)}}},
		{"stages", Focus{Type: FocusSales, Stages: []string{IntentDeciding, IntentPurchased}, AllowPromotions: true}, nil},
		{"unknown stage", Focus{Type: FocusSales, Stages: []string{IntentSeeking, "BROWSING"}},
			[]FieldError{{"input.focus.stages[1]", mustBeOneOf(IntentStages...)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManager()
			m.Input.Focus = tt.focus
			got := m.Validate()
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() = %v, want %v", got, tt.want)
			}
		})
	}
}
