// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    access_grants (id) {
        id -> Uuid,
        organization_id -> Uuid,
        user_id -> Nullable<Uuid>,
        api_key_id -> Nullable<Uuid>,
        role -> Text,
        granted_at -> Timestamptz,
        granted_by_user_id -> Nullable<Uuid>,
        granted_by_api_key_id -> Nullable<Uuid>,
        granted_by_organization_id -> Nullable<Uuid>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    action_items (id) {
        id -> Uuid,
        county_fips -> Text,
        goal -> Text,
        action_steps -> Nullable<Text>,
        organizations_engaged -> Jsonb,
        timeline -> Nullable<Text>,
        next_steps -> Nullable<Text>,
        resources_needed -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    api_keys (id) {
        id -> Uuid,
        key_hash -> Bytea,
        organization_id -> Uuid,
        role -> Text,
        label -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_user_id -> Nullable<Uuid>,
        actor_api_key_id -> Nullable<Uuid>,
        organization_id -> Nullable<Uuid>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_checklist_answers (organization_id, item_code) {
        organization_id -> Uuid,
        item_code -> Text,
        status -> Nullable<Text>,
        note -> Nullable<Text>,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_checklist_items (code) {
        code -> Text,
        section_number -> Int4,
        position -> Int4,
        text -> Text,
        kind -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_checklist_sections (number) {
        number -> Int4,
        code -> Text,
        title -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_gap_months (month_start, county_fips) {
        month_start -> Date,
        county_fips -> Text,
        hours_in_month -> Int4,
        hours_without_room -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_goals (id) {
        id -> Uuid,
        organization_id -> Uuid,
        goal -> Text,
        action_steps -> Nullable<Text>,
        organizations_engaged -> Jsonb,
        timeline -> Nullable<Text>,
        next_steps -> Nullable<Text>,
        resources_needed -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_holds (id) {
        id -> Uuid,
        capacity_id -> Uuid,
        referral_id -> Uuid,
        organization_id -> Uuid,
        held_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        status -> Text,
        ended_at -> Nullable<Timestamptz>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_reviews (organization_id) {
        organization_id -> Uuid,
        capacity -> Nullable<Text>,
        gaps_and_limits -> Nullable<Text>,
        priorities -> Nullable<Text>,
        resources_needed -> Nullable<Text>,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_unit_kinds (code) {
        code -> Text,
        name -> Text,
        stale_after_minutes -> Int4,
        position -> Int4,
        archived_at -> Nullable<Timestamptz>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    capacity_update_links (id) {
        id -> Uuid,
        service_id -> Uuid,
        organization_id -> Uuid,
        token_hash -> Bytea,
        label -> Text,
        created_by -> Nullable<Uuid>,
        created_by_api_key -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Uuid>,
        uses -> Int4,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    clients (id) {
        id -> Uuid,
        organization_id -> Uuid,
        code -> Text,
        name_enc -> Nullable<Bytea>,
        date_of_birth_enc -> Nullable<Bytea>,
        phone_enc -> Nullable<Bytea>,
        email_enc -> Nullable<Bytea>,
        needs_enc -> Nullable<Bytea>,
        notes_enc -> Nullable<Bytea>,
        declared_minor -> Nullable<Bool>,
        preferred_language -> Nullable<Text>,
        contact_channel -> Text,
        voicemail_ok -> Bool,
        may_name_agency -> Bool,
        do_not_contact -> Bool,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    consent_recipients (consent_id, organization_id) {
        consent_id -> Uuid,
        organization_id -> Uuid,
        owner_organization_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    consent_revocations (consent_id) {
        consent_id -> Uuid,
        owner_organization_id -> Uuid,
        revoked_at -> Timestamptz,
        revoked_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    consents (id) {
        id -> Uuid,
        client_id -> Uuid,
        organization_id -> Uuid,
        fields -> Array<Nullable<Text>>,
        purpose -> Text,
        method -> Text,
        contact_mode -> Text,
        obtained_by -> Nullable<Uuid>,
        obtained_at -> Timestamptz,
        expires_at -> Timestamptz,
        guardian_relationship -> Nullable<Text>,
        guardian_attested_not_suspected_abuser -> Nullable<Bool>,
        service_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    counties (fips) {
        fips -> Text,
        name -> Text,
        boundary -> Geometry,
        interior_point -> Geometry,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    county_teams (county_fips, organization_id) {
        county_fips -> Text,
        organization_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    county_worksheets (county_fips) {
        county_fips -> Text,
        community_needs -> Nullable<Text>,
        capacities -> Nullable<Text>,
        gaps -> Nullable<Text>,
        how_to_fill -> Nullable<Text>,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    demand_frozen_quarters (quarter_start) {
        quarter_start -> Date,
        frozen_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    demand_months (month_start, county_fips, need_code) {
        month_start -> Date,
        county_fips -> Text,
        need_code -> Text,
        sent -> Int4,
        declined_no_capacity -> Int4,
        placed -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    follow_ups (id) {
        id -> Uuid,
        referral_id -> Uuid,
        organization_id -> Uuid,
        due_at -> Timestamptz,
        assigned_to -> Nullable<Uuid>,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Uuid>,
        contact_made -> Nullable<Bool>,
        service_started -> Nullable<Bool>,
        need_still_open -> Nullable<Bool>,
        created_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    geocode_cache (address) {
        address -> Text,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        matched -> Bool,
        looked_up_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    hsds_import_records (source, entity, source_id) {
        source -> Text,
        entity -> Text,
        source_id -> Text,
        lantern_id -> Uuid,
        digest -> Text,
        imported_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    hsds_service_at_locations (id) {
        id -> Uuid,
        service_id -> Uuid,
        location_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    idempotency_keys (organization_id, operation, key) {
        organization_id -> Uuid,
        operation -> Text,
        key -> Text,
        request_hash -> Bytea,
        result_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    invitations (id) {
        id -> Uuid,
        token_hash -> Bytea,
        user_id -> Uuid,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    locations (id) {
        id -> Uuid,
        provider_id -> Uuid,
        name -> Nullable<Text>,
        street -> Nullable<Text>,
        city -> Nullable<Text>,
        state -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        geog -> Geography,
        confidential -> Bool,
        county_fips -> Text,
        public_geog -> Geography,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
        version -> Int4,
        approximate -> Bool,
        geocode_pending -> Bool,
        geocode_attempts -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    memberships (user_id, organization_id) {
        user_id -> Uuid,
        organization_id -> Uuid,
        role -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    mou_parties (id) {
        id -> Uuid,
        mou_id -> Uuid,
        organization_id -> Nullable<Uuid>,
        county_fips -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    mous (id) {
        id -> Uuid,
        provider_id -> Uuid,
        title -> Text,
        scope_needs -> Array<Nullable<Text>>,
        signed_on -> Nullable<Date>,
        effective_on -> Date,
        expires_on -> Date,
        status -> Text,
        document_ref -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    need_categories (code) {
        code -> Text,
        phase -> Text,
        label -> Text,
        position -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    need_standard_areas (need_code, area_code) {
        need_code -> Text,
        area_code -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    network_settings (id) {
        id -> Bool,
        consent_default_days -> Int4,
        consent_max_days -> Int4,
        follow_up_acute_days -> Int4,
        follow_up_transitional_days -> Int4,
        follow_up_long_term_days -> Int4,
        version -> Int4,
        updated_at -> Timestamptz,
        capacity_hold_minutes -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    organization_standard_areas (organization_id, area_code) {
        organization_id -> Uuid,
        area_code -> Text,
        provided -> Bool,
        reason -> Text,
        set_by -> Nullable<Uuid>,
        set_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    organizations (id) {
        id -> Uuid,
        name -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    outbox_events (id) {
        id -> Uuid,
        event_type -> Text,
        organization_id -> Uuid,
        payload -> Jsonb,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    provider_contacts (id) {
        id -> Uuid,
        provider_id -> Uuid,
        name -> Text,
        role -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        last_verified_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    provider_phones (id) {
        id -> Uuid,
        provider_id -> Uuid,
        number -> Text,
        label -> Nullable<Text>,
        twenty_four_hour -> Bool,
        position -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    provider_service_areas (provider_id, county_fips) {
        provider_id -> Uuid,
        county_fips -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    providers (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Nullable<Text>,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        synthetic -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
        organization_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    referral_demand (county_fips, need_code, sent_on, counter) {
        county_fips -> Text,
        need_code -> Text,
        sent_on -> Date,
        sent -> Int4,
        declined_no_capacity -> Int4,
        placed -> Int4,
        counter -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    referral_events (id) {
        id -> Int8,
        referral_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_user_id -> Nullable<Uuid>,
        actor_organization_id -> Uuid,
        note_enc -> Nullable<Bytea>,
        at -> Timestamptz,
        uid -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    referral_vetting_requirements (need_code) {
        need_code -> Text,
        area_code -> Text,
        set_by -> Nullable<Uuid>,
        set_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    referrals (id) {
        id -> Uuid,
        sender_organization_id -> Uuid,
        recipient_organization_id -> Uuid,
        provider_id -> Uuid,
        service_id -> Uuid,
        need_code -> Text,
        urgency -> Text,
        client_id -> Nullable<Uuid>,
        shared_fields -> Array<Nullable<Text>>,
        county_fips -> Nullable<Text>,
        language -> Nullable<Text>,
        populations -> Array<Nullable<Text>>,
        status -> Text,
        decline_reason -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    scheduled_events (dedupe_key) {
        dedupe_key -> Text,
        fire_at -> Timestamptz,
        event_type -> Text,
        organization_id -> Uuid,
        payload -> Jsonb,
        cancelled -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    service_capacity (id) {
        id -> Uuid,
        service_id -> Uuid,
        provider_id -> Uuid,
        unit_code -> Text,
        available -> Int4,
        maximum -> Nullable<Int4>,
        status -> Text,
        accepting_referrals -> Bool,
        note -> Nullable<Text>,
        set_at -> Timestamptz,
        set_by -> Nullable<Uuid>,
        set_by_api_key -> Nullable<Uuid>,
        set_by_link -> Nullable<Uuid>,
        source -> Text,
        referral_id -> Nullable<Uuid>,
        version -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    service_capacity_history (id) {
        id -> Int8,
        capacity_id -> Uuid,
        service_id -> Uuid,
        unit_code -> Text,
        available -> Int4,
        maximum -> Nullable<Int4>,
        status -> Text,
        accepting_referrals -> Bool,
        note -> Nullable<Text>,
        set_at -> Timestamptz,
        set_by -> Nullable<Uuid>,
        set_by_api_key -> Nullable<Uuid>,
        set_by_link -> Nullable<Uuid>,
        source -> Text,
        referral_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    service_needs (service_id, need_code) {
        service_id -> Uuid,
        need_code -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    services (id) {
        id -> Uuid,
        provider_id -> Uuid,
        name -> Text,
        description -> Nullable<Text>,
        eligibility -> Nullable<Text>,
        cost -> Nullable<Text>,
        open_24h -> Bool,
        languages -> Array<Nullable<Text>>,
        populations -> Array<Nullable<Text>>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
        minor_may_consent_alone -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    sessions (id) {
        id -> Uuid,
        token_hash -> Bytea,
        user_id -> Uuid,
        organization_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_used_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standard_service_areas (code) {
        code -> Text,
        number -> Int4,
        title -> Text,
        definition -> Text,
        goal -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards (number) {
        number -> Int4,
        area_code -> Nullable<Text>,
        group_title -> Nullable<Text>,
        title -> Text,
        statement -> Nullable<Text>,
        exceeds -> Nullable<Text>,
        meets -> Text,
        does_not_meet -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards_answers (assessment_id, standard_number) {
        assessment_id -> Uuid,
        organization_id -> Uuid,
        standard_number -> Int4,
        level -> Nullable<Text>,
        not_applicable_reason -> Nullable<Text>,
        evidence_note -> Nullable<Text>,
        evidence_refs -> Array<Nullable<Text>>,
        assessed_on -> Nullable<Date>,
        version -> Int4,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards_assessments (id) {
        id -> Uuid,
        organization_id -> Uuid,
        number -> Int4,
        status -> Text,
        service_areas -> Nullable<Array<Nullable<Text>>>,
        based_on -> Nullable<Uuid>,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        submitted_at -> Nullable<Timestamptz>,
        submitted_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        reviewed_by -> Nullable<Uuid>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards_outcomes (id) {
        id -> Uuid,
        assessment_id -> Uuid,
        organization_id -> Uuid,
        service_areas -> Array<Nullable<Text>>,
        valid_from -> Date,
        valid_until -> Date,
        decided_by -> Uuid,
        decided_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards_review_decisions (assessment_id, standard_number) {
        assessment_id -> Uuid,
        organization_id -> Uuid,
        standard_number -> Int4,
        decision -> Text,
        comment -> Nullable<Text>,
        decided_by -> Uuid,
        decided_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    standards_reviewers (id) {
        id -> Uuid,
        user_id -> Uuid,
        granted_by -> Nullable<Uuid>,
        granted_at -> Timestamptz,
        revoked_by -> Nullable<Uuid>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    training_records (id) {
        id -> Uuid,
        provider_id -> Uuid,
        trained_on -> Date,
        kind -> Text,
        topic -> Nullable<Text>,
        staff_share_percent -> Nullable<Int4>,
        evidence_ref -> Nullable<Text>,
        created_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    users (id) {
        id -> Uuid,
        email -> Text,
        display_name -> Text,
        password_hash -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Int8,
        attempted_at -> Timestamptz,
        status_code -> Nullable<Int4>,
        error -> Nullable<Text>,
        duration_ms -> Int4,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    webhook_deliveries (id) {
        id -> Int8,
        event_id -> Uuid,
        subscription_id -> Uuid,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    webhook_subscriptions (id) {
        id -> Uuid,
        organization_id -> Uuid,
        url -> Text,
        secret_enc -> Nullable<Bytea>,
        event_types -> Array<Nullable<Text>>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use postgis_diesel::sql_types::*;

    worksheet_edits (id) {
        id -> Int8,
        county_fips -> Text,
        action_item_id -> Nullable<Uuid>,
        fields -> Array<Nullable<Text>>,
        edited_by -> Nullable<Uuid>,
        edited_at -> Timestamptz,
    }
}

diesel::joinable!(action_items -> counties (county_fips));
diesel::joinable!(action_items -> users (updated_by));
diesel::joinable!(api_keys -> organizations (organization_id));
diesel::joinable!(api_keys -> users (created_by));
diesel::joinable!(capacity_checklist_answers -> capacity_checklist_items (item_code));
diesel::joinable!(capacity_checklist_answers -> organizations (organization_id));
diesel::joinable!(capacity_checklist_answers -> users (updated_by));
diesel::joinable!(capacity_checklist_items -> capacity_checklist_sections (section_number));
diesel::joinable!(capacity_gap_months -> counties (county_fips));
diesel::joinable!(capacity_goals -> organizations (organization_id));
diesel::joinable!(capacity_goals -> users (updated_by));
diesel::joinable!(capacity_holds -> organizations (organization_id));
diesel::joinable!(capacity_holds -> referrals (referral_id));
diesel::joinable!(capacity_holds -> service_capacity (capacity_id));
diesel::joinable!(capacity_holds -> users (held_by));
diesel::joinable!(capacity_reviews -> organizations (organization_id));
diesel::joinable!(capacity_reviews -> users (updated_by));
diesel::joinable!(capacity_update_links -> api_keys (created_by_api_key));
diesel::joinable!(capacity_update_links -> organizations (organization_id));
diesel::joinable!(capacity_update_links -> services (service_id));
diesel::joinable!(clients -> organizations (organization_id));
diesel::joinable!(clients -> users (created_by));
diesel::joinable!(consent_recipients -> consents (consent_id));
diesel::joinable!(consent_revocations -> consents (consent_id));
diesel::joinable!(consent_revocations -> organizations (owner_organization_id));
diesel::joinable!(consent_revocations -> users (revoked_by));
diesel::joinable!(consents -> clients (client_id));
diesel::joinable!(consents -> organizations (organization_id));
diesel::joinable!(consents -> services (service_id));
diesel::joinable!(consents -> users (obtained_by));
diesel::joinable!(county_teams -> counties (county_fips));
diesel::joinable!(county_teams -> organizations (organization_id));
diesel::joinable!(county_worksheets -> counties (county_fips));
diesel::joinable!(county_worksheets -> users (updated_by));
diesel::joinable!(demand_months -> counties (county_fips));
diesel::joinable!(demand_months -> need_categories (need_code));
diesel::joinable!(follow_ups -> organizations (organization_id));
diesel::joinable!(follow_ups -> referrals (referral_id));
diesel::joinable!(hsds_service_at_locations -> locations (location_id));
diesel::joinable!(hsds_service_at_locations -> services (service_id));
diesel::joinable!(idempotency_keys -> organizations (organization_id));
diesel::joinable!(locations -> counties (county_fips));
diesel::joinable!(locations -> providers (provider_id));
diesel::joinable!(memberships -> organizations (organization_id));
diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(mou_parties -> counties (county_fips));
diesel::joinable!(mou_parties -> mous (mou_id));
diesel::joinable!(mou_parties -> organizations (organization_id));
diesel::joinable!(mous -> providers (provider_id));
diesel::joinable!(need_standard_areas -> need_categories (need_code));
diesel::joinable!(need_standard_areas -> standard_service_areas (area_code));
diesel::joinable!(organization_standard_areas -> organizations (organization_id));
diesel::joinable!(organization_standard_areas -> standard_service_areas (area_code));
diesel::joinable!(organization_standard_areas -> users (set_by));
diesel::joinable!(outbox_events -> organizations (organization_id));
diesel::joinable!(provider_contacts -> providers (provider_id));
diesel::joinable!(provider_phones -> providers (provider_id));
diesel::joinable!(provider_service_areas -> counties (county_fips));
diesel::joinable!(provider_service_areas -> providers (provider_id));
diesel::joinable!(providers -> organizations (organization_id));
diesel::joinable!(referral_demand -> counties (county_fips));
diesel::joinable!(referral_demand -> need_categories (need_code));
diesel::joinable!(referral_events -> organizations (actor_organization_id));
diesel::joinable!(referral_events -> referrals (referral_id));
diesel::joinable!(referral_events -> users (actor_user_id));
diesel::joinable!(referral_vetting_requirements -> need_categories (need_code));
diesel::joinable!(referral_vetting_requirements -> users (set_by));
diesel::joinable!(referrals -> clients (client_id));
diesel::joinable!(referrals -> counties (county_fips));
diesel::joinable!(referrals -> need_categories (need_code));
diesel::joinable!(referrals -> providers (provider_id));
diesel::joinable!(referrals -> services (service_id));
diesel::joinable!(referrals -> users (created_by));
diesel::joinable!(scheduled_events -> organizations (organization_id));
diesel::joinable!(service_capacity -> api_keys (set_by_api_key));
diesel::joinable!(service_capacity -> capacity_unit_kinds (unit_code));
diesel::joinable!(service_capacity -> capacity_update_links (set_by_link));
diesel::joinable!(service_capacity -> providers (provider_id));
diesel::joinable!(service_capacity -> referrals (referral_id));
diesel::joinable!(service_capacity -> services (service_id));
diesel::joinable!(service_capacity -> users (set_by));
diesel::joinable!(service_capacity_history -> api_keys (set_by_api_key));
diesel::joinable!(service_capacity_history -> capacity_unit_kinds (unit_code));
diesel::joinable!(service_capacity_history -> capacity_update_links (set_by_link));
diesel::joinable!(service_capacity_history -> referrals (referral_id));
diesel::joinable!(service_capacity_history -> service_capacity (capacity_id));
diesel::joinable!(service_capacity_history -> services (service_id));
diesel::joinable!(service_capacity_history -> users (set_by));
diesel::joinable!(service_needs -> need_categories (need_code));
diesel::joinable!(service_needs -> services (service_id));
diesel::joinable!(services -> providers (provider_id));
diesel::joinable!(sessions -> organizations (organization_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(standards -> standard_service_areas (area_code));
diesel::joinable!(standards_answers -> standards (standard_number));
diesel::joinable!(standards_answers -> users (updated_by));
diesel::joinable!(standards_assessments -> organizations (organization_id));
diesel::joinable!(standards_outcomes -> users (decided_by));
diesel::joinable!(standards_review_decisions -> standards (standard_number));
diesel::joinable!(standards_review_decisions -> users (decided_by));
diesel::joinable!(training_records -> providers (provider_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_subscriptions -> organizations (organization_id));
diesel::joinable!(worksheet_edits -> action_items (action_item_id));
diesel::joinable!(worksheet_edits -> counties (county_fips));
diesel::joinable!(worksheet_edits -> users (edited_by));

diesel::allow_tables_to_appear_in_same_query!(
    access_grants,
    action_items,
    api_keys,
    audit_log,
    capacity_checklist_answers,
    capacity_checklist_items,
    capacity_checklist_sections,
    capacity_gap_months,
    capacity_goals,
    capacity_holds,
    capacity_reviews,
    capacity_unit_kinds,
    capacity_update_links,
    clients,
    consent_recipients,
    consent_revocations,
    consents,
    counties,
    county_teams,
    county_worksheets,
    demand_frozen_quarters,
    demand_months,
    follow_ups,
    geocode_cache,
    hsds_import_records,
    hsds_service_at_locations,
    idempotency_keys,
    invitations,
    locations,
    memberships,
    mou_parties,
    mous,
    need_categories,
    need_standard_areas,
    network_settings,
    organization_standard_areas,
    organizations,
    outbox_events,
    provider_contacts,
    provider_phones,
    provider_service_areas,
    providers,
    referral_demand,
    referral_events,
    referral_vetting_requirements,
    referrals,
    scheduled_events,
    service_capacity,
    service_capacity_history,
    service_needs,
    services,
    sessions,
    standard_service_areas,
    standards,
    standards_answers,
    standards_assessments,
    standards_outcomes,
    standards_review_decisions,
    standards_reviewers,
    training_records,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
    worksheet_edits,
);
