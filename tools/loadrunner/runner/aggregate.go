package runner

import (
	"encoding/base64"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
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

func (c *Counts) reset() {
	c.Requests, c.OK, c.Fail, c.Unknown, c.BytesIn, c.BytesOut, c.Latency = 0, 0, 0, 0, 0, 0, ""
	clear(c.Codes)
	c.hist.Reset()
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

// merge folds o into w, leaving out the names o has no request of (a reset window keeps its
// names with zero counts).
func (w *Window) merge(o *Window) {
	w.Counts.merge(&o.Counts)
	for k, v := range o.Errors {
		w.Errors[k] += v
	}
	for name, c := range o.ByName {
		if c.Requests == 0 {
			continue
		}
		n, ok := w.ByName[name]
		if !ok {
			n = newCounts(c.Protocol)
			w.ByName[name] = n
		}
		n.merge(c)
	}
}

// reset empties the window and keeps its histograms for reuse.
func (w *Window) reset() {
	w.Counts.reset()
	clear(w.Errors)
	for _, c := range w.ByName {
		c.reset()
	}
}

func (w *Window) encode() {
	w.Counts.encode()
	for _, c := range w.ByName {
		c.encode()
	}
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

// NewWindow is an empty window, for engines outside this package (the k6 script engine).
func NewWindow() *Window { return newWindow() }

// Add records one request's outcome in the window.
func (w *Window) Add(name, protocol string, o Outcome, code, errText string, latency time.Duration, in, out uint64) {
	w.add(name, protocol, o, code, errText, latency, in, out)
}

// Merge folds another window into this one.
func (w *Window) Merge(o *Window) { w.merge(o) }

// Encode writes the histograms into their base64 fields, before the window is emitted.
func (w *Window) Encode() { w.encode() }
