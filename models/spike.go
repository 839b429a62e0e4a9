package models

import "time"

// Spike is a crisis episode: negative posts about a CRISIS manager's subject
// reached max(minPosts, factor × baseline) within one window. It is the body
// of a SPIKE event, named namespaces/{ns}/managers/{m}/spikes/{id}.
type Spike struct {
	// Name is namespaces/{ns}/managers/{m}/spikes/{ID} when the manager's
	// name is known.
	Name string `json:"name,omitempty"`
	// ID is deterministic per episode: the Unix second at which the window
	// that first crossed the threshold began.
	ID string `json:"id"`
	// Window is the length of the counting window.
	Window Duration `json:"window"`
	// Start and End bound the window that crossed the threshold.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Count is the number of distinct negative posts in the window.
	Count int `json:"count"`
	// Baseline is the exponentially weighted mean count of the windows
	// before it; Ratio is Count / Baseline (0 when there is no baseline yet).
	Baseline float64 `json:"baseline"`
	Ratio    float64 `json:"ratio"`
	// Sentiment is the mean compound sentiment of the window's recent
	// negative posts, in [-1, 0].
	Sentiment float64 `json:"sentiment"`
	// TopPosts are the most negative recent posts of the window.
	TopPosts []Post `json:"topPosts"`
}

// SpikeName returns namespaces/{ns}/managers/{manager}/spikes/{id}.
func SpikeName(ns, manager, id string) string {
	return "namespaces/" + ns + "/managers/" + manager + "/spikes/" + id
}
