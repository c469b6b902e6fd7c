-- +goose Up
-- A bulk ingest takes a figure id per row: with the default CACHE 1 every
-- nextval locks the sequence's page (and logs it every 32 values). A
-- session now takes 1,000 at a time; ids stay unique, but are not in
-- recording order across sessions and may skip values (nothing orders
-- figures by id).
ALTER SEQUENCE figure_ids CACHE 1000;

-- +goose Down
ALTER SEQUENCE figure_ids CACHE 1;
