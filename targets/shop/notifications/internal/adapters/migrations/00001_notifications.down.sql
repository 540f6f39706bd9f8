DROP TABLE consumer_stats;
DROP TABLE notifications;
DROP TABLE processed_events;
