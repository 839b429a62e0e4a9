// Package fakes holds test stand-ins for the platforms and for webhook
// receivers: httptest servers that speak the real APIs' JSON.
package fakes
