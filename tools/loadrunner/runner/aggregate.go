package runner

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"google.golang.org/grpc/codes"
)

// Latencies are recorded in microseconds, from 1 µs to 5 minutes, with 3 significant digits.
const (
	histLowest  = 1
	histHighest = int64(5 * time.Minute / time.Microsecond)
	histDigits  = 3
	maxErrors   = 20
)

// Outcome of one request: ok, fail (an error answer) or unknown (no answer: timeout, reset).
type Outcome int

const (
	OK Outcome = iota
	Fail
	Unknown
)

// Counts are the totals of one request name (or of all) over some time.
type Counts struct {
	Protocol string            `json:"protocol,omitempty"`
	Requests uint64            `json:"requests"`
	OK       uint64            `json:"ok"`
	Fail     uint64            `json:"fail"`
	Unknown  uint64            `json:"unknown"`
	Codes    map[string]uint64 `json:"codes"`
	BytesIn  uint64            `json:"bytesIn"`
	BytesOut uint64            `json:"bytesOut"`
	// Latency is the HDR histogram (µs) in the V2 compressed, base64 encoding: histograms of
	// separate seconds or runners merge exactly.
	Latency string `json:"latency"`
	hist    *hdrhistogram.Histogram
}

func newCounts(protocol string) *Counts {
	return &Counts{Protocol: protocol, Codes: map[string]uint64{},
		hist: hdrhistogram.New(histLowest, histHighest, histDigits)}
}

func (c *Counts) add(o Outcome, code string, latency time.Duration, in, out uint64) {
	c.Requests++
	switch o {
	case OK:
		c.OK++
	case Fail:
		c.Fail++
	case Unknown:
		c.Unknown++
	}
	c.Codes[code]++
	c.BytesIn += in
	c.BytesOut += out
	us := latency.Microseconds()
	_ = c.hist.RecordValue(min(max(us, histLowest), histHighest))
}

func (c *Counts) merge(o *Counts) {
	c.Requests += o.Requests
	c.OK += o.OK
	c.Fail += o.Fail
	c.Unknown += o.Unknown
	for k, v := range o.Codes {
		c.Codes[k] += v
	}
	c.BytesIn += o.BytesIn
	c.BytesOut += o.BytesOut
	c.hist.Merge(o.hist)
}

func (c *Counts) encode() {
	b, err := c.hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err == nil {
		c.Latency = string(b)
	}
}

// Histogram decodes an encoded latency histogram (for tests and tools).
func Histogram(encoded string) (*hdrhistogram.Histogram, error) {
	if _, err := base64.StdEncoding.DecodeString(encoded); err != nil {
		return nil, err
	}
	return hdrhistogram.Decode([]byte(encoded))
}

// Window is what happened in one second (or, in the final line, the whole run).
type Window struct {
	Counts
	Errors map[string]uint64  `json:"errors"`
	ByName map[string]*Counts `json:"byName"`
}

func newWindow() *Window {
	return &Window{Counts: *newCounts(""), Errors: map[string]uint64{}, ByName: map[string]*Counts{}}
}

func (w *Window) add(name, protocol string, o Outcome, code, errText string, latency time.Duration, in, out uint64) {
	w.Counts.add(o, code, latency, in, out)
	n, ok := w.ByName[name]
	if !ok {
		n = newCounts(protocol)
		w.ByName[name] = n
	}
	n.add(o, code, latency, in, out)
	if errText != "" {
		if _, seen := w.Errors[errText]; seen || len(w.Errors) < maxErrors {
			w.Errors[errText]++
		} else {
			w.Errors["(other errors)"]++
		}
	}
}

func (w *Window) merge(o *Window) {
	w.Counts.merge(&o.Counts)
	for k, v := range o.Errors {
		w.Errors[k] += v
	}
	for name, c := range o.ByName {
		n, ok := w.ByName[name]
		if !ok {
			n = newCounts(c.Protocol)
			w.ByName[name] = n
		}
		n.merge(c)
	}
}

func (w *Window) encode() {
	w.Counts.encode()
	for _, c := range w.ByName {
		c.encode()
	}
}

// requestName is the name a request carries in its URL's fragment (never sent on the wire).
func requestName(rawURL string) string {
	if i := strings.LastIndexByte(rawURL, '#'); i >= 0 {
		return rawURL[i+1:]
	}
	return rawURL
}

// classify turns a vegeta result into an outcome, a code ("200", "429", "0" for no answer, or a
// gRPC code name such as "Unavailable") and an error text (transport errors only).
func classify(r *vegeta.Result) (Outcome, string, string) {
	if s := r.Headers.Get(GRPCStatusHeader); s != "" {
		n, _ := strconv.Atoi(s)
		c := codes.Code(n)
		switch c {
		case codes.OK:
			return OK, c.String(), ""
		case codes.DeadlineExceeded, codes.Canceled, codes.Unavailable, codes.Unknown:
			return Unknown, c.String(), c.String() + ": " + string(r.Body)
		default:
			return Fail, c.String(), ""
		}
	}
	if r.Code == 0 {
		text := errorText(r.Error)
		if strings.Contains(text, "connection refused") || strings.Contains(text, "no such host") ||
			strings.Contains(text, "request message for") || strings.Contains(text, "no gRPC method") {
			return Fail, "0", text // certainly not processed
		}
		return Unknown, "0", text
	}
	code := codeText(r.Code)
	if r.Code >= 200 && r.Code < 400 {
		return OK, code, ""
	}
	return Fail, code, ""
}

// errorText drops the `Method "url": ` prefix Go's HTTP client puts before the cause.
func errorText(e string) string {
	if i := strings.Index(e, "\": "); i >= 0 && strings.Contains(e[:i], " \"") {
		return e[i+3:]
	}
	return e
}

var codeTexts = func() (t [600]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func codeText(c uint16) string {
	if int(c) < len(codeTexts) {
		return codeTexts[c]
	}
	return strconv.Itoa(int(c))
}
