// Package matcher decides which posts matter to which manager, and why.
//
// A manager's input (query, keywords, excludes, site URLs) compiles to an
// expression over word-boundary terms; the terms of all managers share one
// Aho-Corasick automaton (Index), so a post is scanned once however many
// managers there are. Candidates then get a focus score in [0,1]: purchase
// intent (SALES), brand mention (MENTIONS), VADER sentiment (SENTIMENT) or
// negative volume against a baseline (CRISIS), optionally judged by an
// OpenAI-compatible LLM.
package matcher
