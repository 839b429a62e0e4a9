package matcher

// Tickets, seats, passes and flights bought or about to be: about a third of
// the leads among real tweets, worded around counts and names ("got 4 Janet
// Jackson tickets", "buying my Foo Fighters tix tomorrow"). Instead of a cue
// phrase for every verb, count and name, a ticket word is a cue of its own
// (ticketNouns), and ticketStage reads the few words before it: a purchase
// verb (ticketPast: PURCHASED; ticketPlan: DECIDING after a plan word or a
// first person), with the buyer the author.

// ticketNouns are the words that stand for a ticket or booking.
var ticketNouns = set("tickets", "ticket", "tix", "tixs", "seats", "passes", "flights", "flight")

// ticketPast are the verbs that report a ticket bought; ticketPlan those
// that plan one.
var (
	ticketPast = set("got", "bought", "booked", "scored", "purchased", "ordered", "snagged", "copped", "grabbed", "secured",
		"bagged", "paid", "spent", "reserved", "picked", "gotten")
	ticketPlan = set("buy", "buying", "book", "booking", "get", "getting", "order", "ordering", "grab", "grabbing",
		"purchase", "purchasing", "cop", "copping", "score", "snag", "reserve", "reserving", "secure")
)

// Any words may come between the verb and the ticket word — counts,
// determiners, names ("2 Janet Jackson tickets", "my Boruto Naruto the
// Movie ticket") — except ticketStop, which say the tickets are someone
// else's or not bought ("got you tickets", "get your tickets", "free
// tickets") or that the verb is about something else ("got off the flight").
var ticketStop = set("you", "u", "your", "ur", "yall", "him", "her", "his", "them", "their", "if", "free", "away",
	"to", "at", "with", "from", "and", "or", "but", "no", "any", "sale", "sell", "selling", "win", "won", "off", "out",
	"in", "into")

// ticketSpend are the verbs a price or "on"/"for" may follow: "spent $160
// on a Friday Lolla ticket", "paid for our tickets".
var ticketSpend = set("spent", "paid")

// ticketPlanBefore are the words that make a plan verb the author's plan
// ("gonna buy", "to book", "ill get"); ticketPlanWords are those walked back
// over to find its subject ("im going to", "trying to", "need to").
var (
	ticketPlanBefore = set("to", "gonna", "wanna", "gotta", "finna", "tryna", "will", "ill", "imma", "ima", "im", "am",
		"were", "might", "may", "must", "should", "can", "could", "def", "definitely", "gon", "lets", "let", "i", "we",
		"and", "so", "then", "be", "just", "finally")
	ticketPlanWords = set("to", "going", "gonna", "wanna", "gotta", "got", "have", "need", "needs", "want", "trying",
		"try", "hoping", "hope", "planning", "plan", "about", "tempted", "so", "be", "will", "might", "may", "must",
		"just", "finally", "still", "definitely", "def", "prolly", "probably", "really", "am", "is", "can", "could",
		"should", "wait", "cant", "finna", "tryna", "imma", "ima", "gon", "able", "decided", "ready", "off")
)

// ticketStage reads the words before the ticket word whose leading space
// is at start: the stage they say (kindPurchased, kindDeciding) and true,
// or false.
func ticketStage(b []byte, start int) (cueKind, bool) {
	// Walk back word by word, at most five, within the sentence.
	j := start
	onFor := false // an "on" or "for" passed: only a spending verb may come before it
	for n := 0; n < 6 && j > 0; n++ {
		k := j
		for k > 0 && b[k-1] != ' ' {
			k--
		}
		w := string(b[k:j])
		if w == "." || w == "?" {
			return 0, false
		}
		switch {
		case w == "on" || w == "for":
			onFor = true
		case onFor && !ticketSpend[w] && (ticketPast[w] || ticketPlan[w]):
			return 0, false
		case ticketPast[w]:
			if inQuestion(b, start) {
				return 0, false
			}
			if !subjectOK(subjectNotThird, wordBefore(b, k-1)) {
				return 0, false
			}
			return kindPurchased, true
		case ticketPlan[w]:
			if inQuestion(b, start) {
				return 0, false
			}
			before := wordBefore(b, k-1)
			if len(before) == 0 && w[len(w)-1] == 'g' {
				// ". buying tickets tomorrow"
				return kindDeciding, true
			}
			if !ticketPlanBefore[string(before)] {
				return 0, false
			}
			// The plan's subject: the first word before its plan words.
			i := k - 1
			for i > 0 {
				m := i
				for m > 0 && b[m-1] != ' ' {
					m--
				}
				pw := string(b[m:i])
				if !ticketPlanWords[pw] {
					if pw == "." || pw == "?" || firstWords[pw] || subjects[pw] {
						return kindDeciding, true
					}
					return 0, false
				}
				i = m - 1
			}
			return kindDeciding, true
		case ticketStop[w] || negators[w]:
			return 0, false
		}
		j = k - 1
	}
	return 0, false
}
