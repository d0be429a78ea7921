-- A new trigger on a table with a protected column can set it on every write.
CREATE FUNCTION flip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.active := true; RETURN NEW; END $$;
CREATE TRIGGER flip BEFORE UPDATE ON event_type_registry FOR EACH ROW EXECUTE FUNCTION flip(); -- expect: PC003
UPDATE event_type_registry SET description = description;
