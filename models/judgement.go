package models

// Sentiment models a focus may read (input.focus.model).
const (
	SentimentModelLearned = "LEARNED" // the embedded model; the default
	SentimentModelVADER   = "VADER"
)

// SentimentModels lists the allowed input.focus.model values.
var SentimentModels = []string{SentimentModelLearned, SentimentModelVADER}

// Purchase-intent stages, the values of match.intent and input.focus.stages.
const (
	IntentSeeking   = "SEEKING"   // asks for options: "looking for", "any recommendations"
	IntentComparing = "COMPARING" // weighs options: "X or Y?", "is it worth it?"
	IntentDeciding  = "DECIDING"  // a first-person plan or decision to buy
	IntentPurchased = "PURCHASED" // a first-person report of a purchase
)

// IntentStages lists the stages in funnel order.
var IntentStages = []string{IntentSeeking, IntentComparing, IntentDeciding, IntentPurchased}
