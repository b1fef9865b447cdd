-- sign_up_for_activity, version 2 (migration c8f1d2e3a4b5 loads this file; v1 before it).
-- v2: seats held by open dispatch offers (activities.held) are not for self sign-up: a seat is free
-- when taken + held < capacity, and the activity is filled when none is.
-- The sign-up rules of app/activities/signups.py::sign_up_in_python as one PL/pgSQL function, so a
-- sign-up on PostgreSQL costs one round trip. tests/activities/test_signup_paths.py runs both on the
-- same cases. Never edit this file once released: a change is sign_up_v2.sql and a new migration.
CREATE OR REPLACE FUNCTION sign_up_for_activity(
    p_activity integer, p_volunteer integer, p_user integer, p_actor integer, p_now timestamptz,
    p_close_minutes integer, p_waitlist boolean, p_source text, p_seen_updated_at timestamptz,
    p_key_prefix text, p_link text, p_fields json,
    p_confirmed_title text, p_confirmed_body text, p_waitlisted_title text, p_waitlisted_body text)
RETURNS TABLE (outcome text, signup_id integer, queue_position integer)
LANGUAGE plpgsql AS $$
DECLARE
    a activities%ROWTYPE;
    v_taken integer;
    v_status text;
    v_id integer;
    v_position integer;
BEGIN
    SELECT * INTO a FROM activities WHERE id = p_activity;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::integer, NULL::integer; RETURN;
    END IF;
    -- The caller wrote the notice from what it read; if the activity changed since, it reads again.
    IF a.updated_at <> p_seen_updated_at THEN
        RETURN QUERY SELECT 'stale', NULL::integer, NULL::integer; RETURN;
    END IF;
    IF a.status = 'cancelled' THEN
        RETURN QUERY SELECT 'activity_cancelled', NULL::integer, NULL::integer; RETURN;
    END IF;
    IF a.status NOT IN ('open', 'filled') THEN
        RETURN QUERY SELECT 'signup_not_open', NULL::integer, NULL::integer; RETURN;
    END IF;
    IF p_now >= a.starts_at - make_interval(mins => p_close_minutes) THEN
        RETURN QUERY SELECT 'signup_closed', NULL::integer, NULL::integer; RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM signups s WHERE s.volunteer_id = p_volunteer AND s.activity_id = p_activity
               AND s.status <> 'cancelled') THEN
        RETURN QUERY SELECT 'already_signed_up', NULL::integer, NULL::integer; RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM signups s WHERE s.volunteer_id = p_volunteer AND s.status = 'confirmed'
               AND s.activity_id <> p_activity AND s.starts_at < a.ends_at AND s.ends_at > a.starts_at) THEN
        RETURN QUERY SELECT 'time_conflict', NULL::integer, NULL::integer; RETURN;
    END IF;

    UPDATE activities SET taken = taken + 1,
           status = CASE WHEN taken + 1 + held >= capacity THEN 'filled' ELSE status END
     WHERE id = p_activity AND status = 'open' AND taken + held < capacity
    RETURNING taken INTO v_taken;
    IF v_taken IS NULL THEN
        -- Full, or freed a moment ago: wait for the row so a freeing transaction cannot miss us.
        PERFORM 1 FROM activities WHERE id = p_activity FOR UPDATE;
        SELECT * INTO a FROM activities WHERE id = p_activity;
        IF a.status NOT IN ('open', 'filled') THEN
            RETURN QUERY SELECT CASE WHEN a.status = 'cancelled' THEN 'activity_cancelled'
                                     ELSE 'signup_not_open' END, NULL::integer, NULL::integer;
            RETURN;
        END IF;
        UPDATE activities SET taken = taken + 1,
               status = CASE WHEN taken + 1 + held >= capacity THEN 'filled' ELSE status END
         WHERE id = p_activity AND status = 'open' AND taken + held < capacity
        RETURNING taken INTO v_taken;
    END IF;
    v_status := CASE WHEN v_taken IS NULL THEN 'waitlisted' ELSE 'confirmed' END;
    IF v_status = 'waitlisted' AND NOT p_waitlist THEN
        RETURN QUERY SELECT 'full', NULL::integer, NULL::integer; RETURN;
    END IF;

    INSERT INTO signups (volunteer_id, activity_id, status, source, starts_at, ends_at, created_at, updated_at)
    VALUES (p_volunteer, p_activity, v_status, p_source, a.starts_at, a.ends_at, p_now, p_now)
    RETURNING id INTO v_id;
    INSERT INTO audit_log (at, actor_id, action, object_type, object_id, region_code, before, after)
    VALUES (p_now, p_actor, 'create', 'signup', v_id::text, a.village_code, NULL,
            json_build_object('status', v_status, 'activity', p_activity));
    IF v_status = 'waitlisted' THEN
        SELECT count(*) INTO v_position FROM signups s
         WHERE s.activity_id = p_activity AND s.status = 'waitlisted' AND s.id <= v_id;
    END IF;
    INSERT INTO messages (user_id, purpose, key, title, body, link, fields, created_at, delivery, attempts,
                          next_attempt_at)
    VALUES (p_user, 'signup_result', p_key_prefix || v_status || ':' || v_id || ':' || p_volunteer,
            CASE WHEN v_status = 'confirmed' THEN p_confirmed_title ELSE p_waitlisted_title END,
            CASE WHEN v_status = 'confirmed' THEN p_confirmed_body
                 ELSE replace(p_waitlisted_body, '{position}', v_position::text) END,
            p_link, (p_fields::jsonb || jsonb_build_object('status', CASE WHEN v_status = 'confirmed'
                     THEN p_confirmed_title ELSE p_waitlisted_title END))::json, p_now, 'pending', 0, p_now)
    ON CONFLICT (key) DO NOTHING;
    RETURN QUERY SELECT v_status, v_id, v_position;
END;
$$;
