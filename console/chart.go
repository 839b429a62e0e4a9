package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/earshothq/earshot/store"
)

// chartHours is the span of a monitor's charts: 7 days.
const chartHours = 7 * 24

// Chart geometry, in SVG user units.
const (
	chartW   = 840
	chartH   = 160
	barWidth = float64(chartW) / chartHours
)

// chart is a monitor's last 7 days, drawn as SVG on the server: matches
// per hour as bars, the hour's mean sentiment as a line (from -1 at the
// bottom to +1 at the top), crisis spikes as marks.
type chart struct {
	Width, Height int
	Bars          []bar
	// Sentiment is the polyline's points; Zero the y of sentiment 0.
	Sentiment string
	Zero      float64
	Spikes    []spikeMark
	Days      []dayMark
	// Totals, for the caption.
	Matches, Posts, SpikeCount int64
	MeanSentiment              float64
	MaxPerHour                 int64
}

type bar struct {
	X, Y, W, H float64
	Title      string
}

type spikeMark struct {
	X     float64
	Title string
}

type dayMark struct {
	X     float64
	Label string
}

func newChart(hours []store.HourStats) *chart {
	c := &chart{Width: chartW, Height: chartH, Zero: chartH / 2}
	for _, h := range hours {
		c.MaxPerHour = max(c.MaxPerHour, h.Matches)
	}
	var pts []string
	var sentSum float64
	for i, h := range hours {
		x := float64(i) * barWidth
		c.Matches += h.Matches
		c.Posts += h.Posts
		c.SpikeCount += h.Spikes
		sentSum += h.Sentiment * float64(h.Matches)
		if h.Matches > 0 {
			bh := float64(h.Matches) / float64(c.MaxPerHour) * (chartH - 10)
			c.Bars = append(c.Bars, bar{X: x, Y: chartH - bh, W: max(barWidth-1, 1), H: bh,
				Title: fmt.Sprintf("%s: %d matches, mean sentiment %+.2f", h.Start.Format("Jan 2 15:00"), h.Matches, h.Sentiment)})
			y := chartH/2 - h.Sentiment*(chartH/2-4)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x+barWidth/2, y))
		}
		if h.Spikes > 0 {
			c.Spikes = append(c.Spikes, spikeMark{X: x + barWidth/2, Title: fmt.Sprintf("crisis spike, %s", h.Start.Format("Jan 2 15:00 UTC"))})
		}
		if h.Start.Hour() == 0 {
			c.Days = append(c.Days, dayMark{X: x, Label: h.Start.Format("Mon 2")})
		}
	}
	if c.Matches > 0 {
		c.MeanSentiment = sentSum / float64(c.Matches)
	}
	c.Sentiment = strings.Join(pts, " ")
	return c
}

// Since is when the chart begins.
func (c *chart) Since() string { return time.Now().Add(-chartHours * time.Hour).UTC().Format("Jan 2") }
