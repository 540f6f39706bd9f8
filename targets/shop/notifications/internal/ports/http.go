// Package ports is how the world reaches notifications: the Kafka consumer of order events
// and the REST API. It is the only place where errors become HTTP statuses.
package ports

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"faultline.dev/shop/platform/logging"
	"faultline.dev/shop/platform/tracing"

	"faultline.dev/shop/notifications/internal/app"
	"faultline.dev/shop/notifications/internal/domain/notification"
)

// HTTPServer serves the notifications REST API.
type HTTPServer struct {
	app    app.Application
	logger *slog.Logger
}

// NewHTTPServer returns the API over application.
func NewHTTPServer(application app.Application, logger *slog.Logger) *HTTPServer {
	if logger == nil {
		panic("ports: nil logger")
	}
	return &HTTPServer{app: application, logger: logger}
}

// Register serves the API on mux (health and metrics are registered there by the caller).
func (s *HTTPServer) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/notifications", s.listNotifications)
	mux.HandleFunc("GET /v1/stats", s.stats)
}

// NewHandler wraps mux so that every request gets a server span, a request ID (taken from
// X-Request-Id or made, echoed in the response) and one log line carrying both.
func NewHandler(mux *http.ServeMux, logger *slog.Logger) http.Handler {
	return tracing.HTTPHandler(mux, logging.HTTPMiddleware(logger, mux))
}

type notificationJSON struct {
	ID        string    `json:"id"`
	OrderID   string    `json:"order_id"`
	EventID   string    `json:"event_id"`
	EventType string    `json:"event_type"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
}

type notificationsJSON struct {
	Notifications []notificationJSON `json:"notifications"`
}

type statsJSON struct {
	EventsHandled             int64 `json:"events_handled"`
	DistinctEvents            int64 `json:"distinct_events"`
	DuplicatesSkipped         int64 `json:"duplicates_skipped"`
	EventsHandledMoreThanOnce int64 `json:"events_handled_more_than_once"`
}

type errorJSON struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *HTTPServer) listNotifications(w http.ResponseWriter, r *http.Request) {
	ns, err := s.app.Queries.ListNotifications.Handle(r.Context(), app.ListNotifications{OrderID: r.URL.Query().Get("order_id")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := notificationsJSON{Notifications: make([]notificationJSON, len(ns))}
	for i, n := range ns {
		out.Notifications[i] = notificationJSON{
			ID: n.ID, OrderID: n.OrderID, EventID: n.EventID, EventType: string(n.EventType),
			Message: n.Message, CreatedAt: n.CreatedAt.UTC(),
		}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func (s *HTTPServer) stats(w http.ResponseWriter, r *http.Request) {
	st, err := s.app.Queries.Stats.Handle(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, statsJSON{
		EventsHandled: st.EventsHandled, DistinctEvents: st.DistinctEvents,
		DuplicatesSkipped: st.DuplicatesSkipped, EventsHandledMoreThanOnce: st.EventsHandledMoreThanOnce,
	})
}

func (s *HTTPServer) writeJSON(w http.ResponseWriter, r *http.Request, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.logger.DebugContext(r.Context(), "cannot write response", logging.Error(err))
	}
}

// writeError is the only mapping of errors to HTTP statuses in notifications.
func (s *HTTPServer) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := http.StatusInternalServerError, errorBody{Code: "internal", Message: "internal error"}
	if errors.Is(err, notification.ErrMissingOrderID) {
		status, body = http.StatusBadRequest, errorBody{Code: "invalid_argument", Message: "query parameter order_id is required"}
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.logger.Log(r.Context(), level, "request failed", slog.Int("http.status", status), logging.Error(err))
	s.writeJSON(w, r, status, errorJSON{Error: body})
}
