// Package telegram is the TELEGRAM_CONNECTION channel: events as HTML
// messages sent by a bot (the Bot API's sendMessage) to a chat.
package telegram

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/notify"
)

// DefaultBaseURL is the Bot API's.
const DefaultBaseURL = "https://api.telegram.org"

// Settings are a Telegram connection's own fields.
type Settings struct {
	// BotToken is the bot's token from @BotFather ("123456:ABC…"). It is
	// a credential: it is never written into an error, a log or a
	// delivery record.
	BotToken string `json:"botToken" yaml:"botToken"`
	// ChatID is the chat's id (-1001234567890) or a public channel's
	// @username; a number is accepted as well as a string.
	ChatID ChatID `json:"chatId" yaml:"chatId"`
	// BaseURL is the Bot API's (default https://api.telegram.org; a local
	// Bot API server or a test stands in for it).
	BaseURL string `json:"baseUrl,omitempty" yaml:"baseUrl"`
}

// ChatID is a chat id written as a string or a JSON number.
type ChatID string

// UnmarshalJSON accepts "-100123", -100123 and "@channel".
func (c *ChatID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*c = ChatID(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("chatId must be a string or a number")
	}
	*c = ChatID(s)
	return nil
}

var (
	tokenPattern  = regexp.MustCompile(`^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$`)
	userPattern   = regexp.MustCompile(`^@[A-Za-z][A-Za-z0-9_]{3,31}$`)
	maxChatDigits = 20
)

// Kind is the TELEGRAM_CONNECTION channel kind.
var Kind = notify.NewChannelKind(notify.ChannelSpec[Settings]{
	ConnectionType: "TELEGRAM_CONNECTION",
	NoticeType:     "TELEGRAM_MESSAGE",
	Doc:            "a Telegram message (sendMessage, parse_mode HTML) from a bot: `botToken` (a secret), `chatId`, and `baseUrl` (default https://api.telegram.org)",
	Validate:       validate,
	// A bot may send 20 messages a minute to one group (and about one a
	// second to one chat).
	RateLimit: 20,
	Example:   map[string]any{"type": "TELEGRAM_CONNECTION", "nickname": "founders", "botToken": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "chatId": "-1001234567890"},
	New:       func(env notify.ChannelEnv) notify.Channel { return &Channel{http: env.HTTP} },
})

func validate(c *models.Connection, s *Settings) []models.FieldError {
	var errs []models.FieldError
	add := func(f, d string) { errs = append(errs, models.FieldError{Field: f, Description: d}) }
	switch {
	case s.BotToken == "":
		add("botToken", "is required")
	case !tokenPattern.MatchString(s.BotToken):
		add("botToken", "must be a bot token as @BotFather gives it (digits, a colon, then letters, digits, - and _)")
	}
	switch id := string(s.ChatID); {
	case id == "":
		add("chatId", "is required")
	case strings.HasPrefix(id, "@"):
		if !userPattern.MatchString(id) {
			add("chatId", "must be a chat id (a number) or a public channel's @username")
		}
	default:
		if _, err := strconv.ParseInt(id, 10, 64); err != nil || len(id) > maxChatDigits {
			add("chatId", "must be a chat id (a number) or a public channel's @username")
		}
	}
	if len(errs) == 0 {
		// Kept as a string whichever way it was written: the API
		// documents chatId as one.
		c.Settings.Set("chatId", string(s.ChatID))
	}
	if len(s.BaseURL) > models.MaxURLLength {
		add("baseUrl", "must be at most "+strconv.Itoa(models.MaxURLLength)+" bytes")
	} else if s.BaseURL != "" {
		if msg := models.CheckURL(s.BaseURL); msg != "" {
			add("baseUrl", msg)
		}
	}
	return errs
}
