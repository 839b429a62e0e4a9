package matcher

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/earshothq/earshot/matcher/query"
)

// cue is a phrase that raises (or, for a promotion cue, lowers) purchase
// intent. Weights combine like independent probabilities.
type cue struct {
	phrase string
	weight float64
	promo  bool
}

// salesCues were chosen from how people ask for products on Reddit, X and
// Facebook; the labelled set in testdata keeps them honest.
var salesCues = []cue{
	// asking for a product
	{"looking for", 0.6, false}, {"searching for", 0.5, false}, {"in the market for", 0.7, false},
	{"shopping for", 0.6, false}, {"on the hunt for", 0.6, false},
	{"any recommendations", 0.7, false}, {"recommendations for", 0.65, false}, {"recommendation for", 0.65, false},
	{"can anyone recommend", 0.7, false}, {"can you recommend", 0.7, false}, {"could anyone recommend", 0.7, false},
	{"anyone recommend", 0.65, false}, {"would you recommend", 0.6, false}, {"do you recommend", 0.6, false},
	{"recommend a", 0.55, false}, {"recommend an", 0.55, false}, {"recommend any", 0.6, false}, {"recommend me", 0.6, false},
	{"suggest a", 0.5, false}, {"suggest any", 0.55, false}, {"any suggestions", 0.6, false}, {"suggestions for", 0.55, false},
	{"any advice on", 0.4, false}, {"any tips on choosing", 0.6, false},
	{"alternative to", 0.65, false}, {"alternatives to", 0.65, false}, {"alternative for", 0.6, false},
	{"replacement for", 0.55, false}, {"substitute for", 0.45, false}, {"cheaper alternative", 0.7, false},
	{"switching from", 0.6, false}, {"switch from", 0.55, false}, {"switching to", 0.45, false},
	{"migrate from", 0.5, false}, {"migrating from", 0.5, false}, {"moving away from", 0.55, false},
	{"thinking of switching", 0.65, false}, {"thinking about switching", 0.65, false}, {"ready to switch", 0.65, false},
	{"what tool", 0.6, false}, {"which tool", 0.6, false}, {"what tools", 0.55, false}, {"which tools", 0.55, false},
	{"what software", 0.6, false}, {"which software", 0.6, false}, {"what platform", 0.55, false}, {"which platform", 0.55, false},
	{"what app", 0.5, false}, {"which app", 0.5, false}, {"what service", 0.5, false}, {"which service", 0.5, false},
	{"what crm", 0.6, false}, {"which crm", 0.6, false}, {"what vendor", 0.55, false}, {"which vendor", 0.55, false},
	{"best tool", 0.55, false}, {"best tools", 0.5, false}, {"best software", 0.55, false}, {"best app", 0.5, false},
	{"best platform", 0.5, false}, {"best service", 0.5, false}, {"best option", 0.45, false}, {"best options", 0.45, false},
	{"worth it", 0.55, false}, {"worth the money", 0.6, false}, {"worth the price", 0.6, false}, {"worth paying", 0.6, false},
	{"worth upgrading", 0.55, false},
	{"should i buy", 0.7, false}, {"should we buy", 0.7, false}, {"should i get", 0.55, false}, {"should i go with", 0.6, false},
	{"should we go with", 0.6, false}, {"planning to buy", 0.65, false}, {"looking to buy", 0.7, false},
	{"want to buy", 0.6, false}, {"where can i buy", 0.6, false}, {"where to buy", 0.55, false},
	{"need a tool", 0.6, false}, {"need a solution", 0.6, false}, {"need software", 0.6, false}, {"need an app", 0.55, false},
	{"need something that", 0.55, false}, {"need something to", 0.5, false}, {"need a good", 0.5, false}, {"need a new", 0.45, false},
	{"need help finding", 0.6, false},
	{"is there a tool", 0.6, false}, {"is there an app", 0.55, false}, {"is there a service", 0.55, false},
	{"is there any tool", 0.6, false}, {"is there a way to", 0.25, false}, {"is there something", 0.45, false},
	{"does anyone know a", 0.55, false}, {"does anyone know of", 0.55, false}, {"anyone know a", 0.5, false},
	{"anyone know of", 0.5, false}, {"know any good", 0.55, false},
	{"what do you use", 0.55, false}, {"what do you guys use", 0.6, false}, {"what are you using", 0.55, false},
	{"what does everyone use", 0.6, false}, {"what are people using", 0.55, false}, {"what s everyone using", 0.6, false},
	{"has anyone tried", 0.45, false}, {"has anyone used", 0.45, false}, {"anyone tried", 0.45, false}, {"anyone using", 0.4, false},
	{"experiences with", 0.35, false}, {"experience with", 0.2, false}, {"thoughts on", 0.3, false}, {"opinions on", 0.35, false},
	{"help me choose", 0.65, false}, {"help choosing", 0.65, false}, {"torn between", 0.6, false}, {"deciding between", 0.6, false},
	{"choosing between", 0.6, false}, {"trying to decide", 0.5, false}, {"or should i", 0.4, false},
	{"free trial", 0.35, false}, {"pricing", 0.3, false}, {"quote for", 0.45, false}, {"get a quote", 0.5, false},
	{"request a demo", 0.55, false}, {"book a demo", 0.5, false},
	{"vs", 0.3, false}, {"versus", 0.3, false}, {"compared to", 0.25, false},
	{"budget", 0.2, false}, {"affordable", 0.3, false}, {"cheaper", 0.3, false},
	{"hire a", 0.4, false}, {"looking to hire", 0.45, false},
	{"considering", 0.35, false}, {"evaluating", 0.4, false}, {"buying", 0.4, false}, {"would you pick", 0.55, false},
	{"anyone compared", 0.5, false}, {"rec for", 0.5, false}, {"go to", 0.25, false}, {"suggestions welcome", 0.6, false},
	{"you d suggest", 0.55, false}, {"you d recommend", 0.6, false}, {"anyone moved to", 0.55, false}, {"what do you all use", 0.6, false},
	{"need a replacement", 0.6, false}, {"too expensive", 0.3, false}, {"got expensive", 0.3, false}, {"too pricey", 0.3, false},
	// who it is for
	{"we need", 0.2, false}, {"i need", 0.2, false}, {"our team", 0.15, false}, {"my team", 0.15, false},
	{"our company", 0.15, false}, {"my company", 0.15, false}, {"my business", 0.15, false}, {"our business", 0.15, false},
	{"our agency", 0.15, false}, {"my agency", 0.15, false}, {"small business", 0.15, false}, {"for my", 0.1, false},

	// promotion, announcements and job ads: someone selling, not buying
	{"i built", 0.6, true}, {"we built", 0.6, true}, {"i made", 0.45, true}, {"i created", 0.45, true},
	{"i ve built", 0.6, true}, {"we ve built", 0.6, true}, {"i ve been building", 0.55, true}, {"we re building", 0.5, true},
	{"we launched", 0.6, true}, {"just launched", 0.6, true}, {"launching", 0.35, true}, {"we just released", 0.6, true},
	{"excited to announce", 0.7, true}, {"announcing", 0.45, true}, {"introducing", 0.4, true},
	{"check out my", 0.55, true}, {"check out our", 0.55, true}, {"shameless plug", 0.7, true},
	{"we re hiring", 0.7, true}, {"we are hiring", 0.7, true}, {"now hiring", 0.7, true}, {"job opening", 0.6, true},
	{"for sale", 0.45, true}, {"selling my", 0.55, true}, {"giveaway", 0.6, true}, {"promo code", 0.6, true},
	{"discount code", 0.5, true}, {"use code", 0.5, true}, {"affiliate link", 0.4, true}, {"my startup", 0.35, true},
	{"feedback on my", 0.5, true}, {"i m the founder", 0.65, true}, {"i am the founder", 0.65, true},
	{"i m a founder", 0.6, true}, {"co founder of", 0.5, true}, {"disclaimer i work", 0.6, true},
	{"webinar", 0.35, true}, {"free guide", 0.4, true}, {"sign up now", 0.5, true}, {"limited time", 0.45, true},
	{"we help", 0.45, true}, {"not looking for", 0.7, true}, {"so worth it", 0.6, true},
	{"looking for a cofounder", 0.8, true}, {"looking for a co founder", 0.8, true}, {"looking for feedback", 0.8, true},
	{"looking for beta testers", 0.8, true}, {"looking for speakers", 0.8, true}, {"looking for a job", 0.8, true},
	{"looking for work", 0.8, true}, {"looking for a mentor", 0.8, true}, {"looking for volunteers", 0.8, true},
	{"looking for the right community", 0.6, true}, {"looking for a checklist", 0.5, true}, {"looking for a template", 0.5, true}, {"dm me", 0.4, true}, {"dm for", 0.4, true}, {"our clients", 0.3, true},
}

type cueSet struct {
	cues []cue
	ac   *automaton
}

var salesCueSet = sync.OnceValue(func() *cueSet {
	s := &cueSet{}
	var patterns []string
	for _, c := range salesCues {
		t, err := query.Literal(c.phrase)
		if err != nil {
			panic("matcher: bad cue " + c.phrase)
		}
		s.cues = append(s.cues, c)
		patterns = append(patterns, t.Pattern())
	}
	s.ac = newAutomaton(patterns)
	return s
})

// salesScore rates purchase intent in [0,1] with the cues that made it. It
// depends on the post only, so it is computed once per post.
func salesScore(d *doc) (float64, []string) {
	if !d.salesDone {
		d.sales, d.salesWhy = computeSalesScore(d)
		d.salesDone = true
	}
	return d.sales, d.salesWhy
}

func computeSalesScore(d *doc) (float64, []string) {
	cs := salesCueSet()
	var seen [8]uint64 // bitset of cue ids, enough for 512 cues
	var found []int
	cs.ac.scan(d.norm, func(id int32, _ int) {
		if seen[id/64]&(1<<(id%64)) == 0 {
			seen[id/64] |= 1 << (id % 64)
			found = append(found, int(id))
		}
	})
	sort.Ints(found)
	pos, neg := 1.0, 1.0
	var reasons []string
	var promos []string
	strong := false
	for _, id := range found {
		c := cs.cues[id]
		if c.promo {
			neg *= 1 - c.weight
			promos = append(promos, c.phrase)
			continue
		}
		pos *= 1 - c.weight
		if c.weight >= 0.3 {
			strong = true
		}
		reasons = append(reasons, "purchase intent: "+strconv.Quote(c.phrase))
	}
	if d.question && askAboutProduct(d.norm) {
		pos *= 1 - productQuestionWeight
		strong = true
		reasons = append(reasons, "asks about a product")
	}
	score := 1 - pos
	if d.question && strong {
		score += 0.15 * (1 - score)
		reasons = append(reasons, "asks a question")
	}
	if len(promos) > 0 {
		score *= neg
		reasons = append(reasons, quoteList("not a purchase: ", promos))
	}
	return clamp01(round3(score)), reasons
}

func clamp01(x float64) float64 {
	if x < 0 || math.IsNaN(x) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// productQuestionWeight is the intent of a question that names a kind of
// product next to an asking word ("which dashboard tool…?", "any good app
// for…?"), when no fixed phrase says so.
const productQuestionWeight = 0.5

const (
	askWord uint8 = 1 << iota
	productNoun
)

// questionWords classifies the words askAboutProduct looks for; their
// lengths bound which words are worth looking up.
var questionWords, minQuestionWord, maxQuestionWord = func() (map[string]uint8, int, int) {
	m := map[string]uint8{}
	lo, hi := 1<<30, 0
	add := func(words string, kind uint8) {
		for _, w := range strings.Fields(words) {
			m[w] |= kind
			lo, hi = min(lo, len(w)), max(hi, len(w))
		}
	}
	add("which what whats best good decent any anyone anybody recommend recommendations suggest suggestions rec recs", askWord)
	add("tool tools app apps software platform platforms service services crm solution solutions provider providers system vendor vendors plugin plugins alternative alternatives builder scheduler host hosting laptop headset microphone", productNoun)
	return m, lo, hi
}()

// askAboutProduct reports whether an asking word comes at most four words
// before a product noun.
func askAboutProduct(norm []byte) bool {
	lastAsk, i, start := -100, 0, 0
	for j := 0; j <= len(norm); j++ {
		if j < len(norm) && norm[j] != ' ' && norm[j] != fieldSep {
			continue
		}
		if j > start {
			if n := j - start; n >= minQuestionWord && n <= maxQuestionWord {
				k := questionWords[string(norm[start:j])]
				if k&askWord != 0 {
					lastAsk = i
				} else if k&productNoun != 0 && i-lastAsk <= 4 {
					return true
				}
			}
			i++
		}
		start = j + 1
	}
	return false
}
