package models

import "testing"

func TestSiteBrand(t *testing.T) {
	for in, want := range map[string]string{
		"https://mycompany.com": "mycompany", "https://www.MyCompany.com/pricing": "mycompany",
		"shop.globex.co.uk": "globex", "https://app.initech.io": "initech", "localhost": "localhost",
		"": "", "https://": "",
	} {
		if _, got := SiteBrand(in); got != want {
			t.Errorf("SiteBrand(%q) = %q, want %q", in, got, want)
		}
	}
}
