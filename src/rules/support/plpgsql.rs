//! scratch
#[cfg(test)]
mod tests {
    #[test]
    fn dump() {
        let sqls = [
"create function update_collection_asset_count() returns trigger language plpgsql as $x$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE user_collections
        SET asset_count = asset_count + 1
        WHERE id = NEW.collection_id;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE user_collections
        SET asset_count = asset_count - 1
        WHERE id = OLD.collection_id;
        RETURN OLD;
    ELSE
      NEW.updated_at = now();
      NEW := NEW;
    END IF;
    EXECUTE 'select ' || quote_ident(x) USING 1;
    EXECUTE format('select %I', x) INTO y;
    PERFORM 1;
    FOR r IN SELECT 1 LOOP NULL; END LOOP;
    CASE WHEN a THEN NULL; ELSE NULL; END CASE;
    RETURN NULL;
EXCEPTION WHEN others THEN RAISE;
END;
$x$",
"create function f(a int, b text) returns int language plpgsql as $x$ begin retrun 1; end $x$",
        ];
        for s in sqls {
            match crate::source::migrations::pgffi::parse_plpgsql(s) {
                Ok(v) => println!("{}", serde_json::to_string_pretty(&v).unwrap()),
                Err(e) => println!("ERR {:?}", e),
            }
        }
    }
}
