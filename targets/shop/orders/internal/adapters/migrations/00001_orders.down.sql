DROP TABLE outbox;
DROP TABLE saga_steps;
DROP TABLE order_lines;
DROP TABLE orders;
