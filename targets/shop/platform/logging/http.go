package logging

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// HTTPMiddleware takes the request ID from the X-Request-Id header (or makes one), puts it
// in the request context and the response header, and logs each request once. Probe and
// scrape endpoints (/healthz, /readyz, /metrics) are logged at DEBUG.
func HTTPMiddleware(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDKey)
		if !ValidRequestID(id) {
			id = uuid.NewString()
		}
		ctx := WithRequestID(r.Context(), id)
		w.Header().Set(RequestIDKey, id)

		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(ctx))

		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case rec.status >= 400:
			level = slog.LevelWarn
		}
		if level == slog.LevelInfo && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics") {
			level = slog.LevelDebug
		}
		logger.Log(ctx, level, "http request",
			slog.String("http.method", r.Method),
			slog.String("http.path", r.URL.Path),
			slog.Int("http.status", rec.status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush, deadlines).
func (r *statusRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// ValidRequestID reports whether a request ID sent by a client is kept: it accepts what a
// client may reasonably send and refuses what would make logs unreadable.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}
