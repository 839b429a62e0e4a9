// Package spam recognises posts that sell rather than buy: giveaways,
// affiliate links, "DM me" offers, job ads, link farms, get-rich and
// follower schemes. The matcher scores them as not-leads for SALES unless
// a monitor sets focus.allowPromotions; repeated text across authors is
// counted by the matcher itself, in Redis.
package spam

import (
	"strings"
	"unicode"
)

// Reason names why a post is spam; "" when it is not.
type Reason string

const (
	None      Reason = ""
	Giveaway  Reason = "giveaway"
	Affiliate Reason = "affiliate or referral link"
	DMMe      Reason = "\"DM me\" offer"
	JobAd     Reason = "job ad"
	LinkFarm  Reason = "link farm"
	Scheme    Reason = "money or follower scheme"
)

// rule is a phrase of lower-case words (matched on word boundaries) and
// the reason it gives.
type rule struct {
	phrase string
	reason Reason
}

// The phrases are specific on purpose: "to win", "followers", "karma" or
// "DM me" alone are as often a fan, a politician's audience or a friend
// (on SemEval's tweets, most of their flags were).
var rules = []rule{
	{"giveaway", Giveaway}, {"give away", Giveaway}, {"giving away", Giveaway},
	{"enter to win", Giveaway}, {"entered to win", Giveaway}, {"chance to win", Giveaway}, {"how to win", Giveaway},
	{"win a free", Giveaway}, {"win a pair", Giveaway}, {"win a prize", Giveaway}, {"win a copy", Giveaway}, {"win a gift", Giveaway},
	{"win free", Giveaway}, {"win tickets", Giveaway}, {"win tix", Giveaway}, {"win 2 tickets", Giveaway}, {"win two tickets", Giveaway},
	{"you could win", Giveaway}, {"eligible to win", Giveaway}, {"rt to win", Giveaway}, {"retweet to win", Giveaway}, {"follow to win", Giveaway},
	{"how to enter", Giveaway}, {"free to enter", Giveaway}, {"details to enter", Giveaway}, {"enter our competition", Giveaway},
	{"enter here", Giveaway}, {"enter now", Giveaway},
	{"rt follow", Giveaway}, {"follow rt", Giveaway},
	{"retweet follow", Giveaway}, {"like share", Giveaway}, {"like and share", Giveaway}, {"share and tag", Giveaway},
	{"tag 2 friends", Giveaway}, {"tag 3 friends", Giveaway}, {"tag three friends", Giveaway}, {"tag a friend", Giveaway},
	{"winner announced", Giveaway}, {"winners picked", Giveaway}, {"winner picked", Giveaway}, {"winner chosen", Giveaway},
	{"amzn to", Affiliate}, {"affiliate link", Affiliate}, {"affiliate links", Affiliate}, {"ad affiliate", Affiliate}, {"amazon associate", Affiliate}, {"earn a commission", Affiliate},
	{"earn from qualifying", Affiliate}, {"use my code", Affiliate}, {"my code for", Affiliate}, {"referral link", Affiliate},
	{"referral code", Affiliate}, {"link in bio", Affiliate}, {"link in my bio", Affiliate},
	{"dm me if", DMMe}, {"dm me and", DMMe}, {"dm me for", DMMe}, {"dm me to", DMMe}, {"or dm me", DMMe}, {"dm for", DMMe}, {"dm to", DMMe},
	{"message me for", DMMe}, {"inbox me", DMMe}, {"dm you the price", DMMe}, {"dm you the link", DMMe}, {"dm you details", DMMe},
	{"we re hiring", JobAd}, {"we are hiring", JobAd}, {"now hiring", JobAd}, {"hiring now", JobAd},
	{"urgent hiring", JobAd}, {"apply now", JobAd}, {"apply here", JobAd}, {"apply today", JobAd},
	{"click the link to apply", JobAd}, {"hr remote", JobAd}, {"hr apply", JobAd}, {"no experience needed", JobAd},
	{"no experience required", JobAd}, {"no experience necessary", JobAd}, {"work from home earn", JobAd},
	{"airdrop", Scheme}, {"token presale", Scheme}, {"presale is live", Scheme}, {"presale live", Scheme}, {"100x", Scheme}, {"10x your", Scheme}, {"signals group", Scheme},
	{"crypto signals", Scheme}, {"returns guaranteed", Scheme}, {"passive income", Scheme}, {"be your own boss", Scheme},
	{"join my team", Scheme}, {"extra income", Scheme}, {"buy followers", Scheme}, {"free followers", Scheme}, {"get followers", Scheme},
	{"gain followers", Scheme}, {"real followers", Scheme}, {"followers for", Scheme}, {"followers fast", Scheme}, {"likes for", Scheme},
	{"make money", Scheme}, {"earn 1000", Scheme}, {"earn 500", Scheme}, {"connect your wallet", Scheme},
	{"backlinks", Scheme}, {"guest posts", Scheme}, {"aged reddit accounts", Scheme}, {"karma farming", Scheme}, {"buy karma", Scheme}, {"karma for", Scheme},
}

// Check returns why the text (a post's title and text) is spam, or None.
func Check(title, text string) Reason {
	norm := normalize(title + " \n " + text)
	for _, r := range rules {
		if strings.Contains(norm, " "+r.phrase+" ") {
			return r.reason
		}
	}
	if hourlyPay(strings.ToLower(title + " " + text)) {
		return JobAd
	}
	if countLinks(title+" "+text) >= 3 {
		return LinkFarm
	}
	return None
}

// normalize lower-cases words, drops apostrophes and '$', and spaces
// everything else out: " dm me for prices ".
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '$':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// linkHosts are shorteners and shops whose links, three or more in a post,
// make a link farm; any http(s) or www link counts too.
var linkHosts = []string{"bit.ly/", "tinyurl.com/", "amzn.to/", "t.co/", "goo.gl/", "ow.ly/", "is.gd/", "rb.gy/", "cutt.ly/"}

func countLinks(s string) int {
	n := 0
	for _, f := range strings.Fields(strings.ToLower(s)) {
		if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "www.") {
			n++
			continue
		}
		for _, h := range linkHosts {
			if strings.Contains(f, h) {
				n++
				break
			}
		}
	}
	return n
}

// hourlyPay reports whether the text offers pay by the hour: "$28/hr",
// "$40 per hour".
func hourlyPay(s string) bool {
	for _, unit := range []string{"/hr", "/hour", " per hour", " an hour", "/h "} {
		for i := 0; ; {
			j := strings.Index(s[i:], unit)
			if j < 0 {
				break
			}
			j += i
			k := j
			for k > 0 && (s[k-1] >= '0' && s[k-1] <= '9' || s[k-1] == '.' || s[k-1] == ',') {
				k--
			}
			if k < j && k > 0 && s[k-1] == '$' {
				return true
			}
			i = j + 1
		}
	}
	return false
}
