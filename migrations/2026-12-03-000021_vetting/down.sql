DROP TRIGGER IF EXISTS referrals_vetting_guard ON referrals;
DROP FUNCTION IF EXISTS referral_vetting_guard();
DROP TABLE IF EXISTS referral_vetting_requirements;
DROP FUNCTION IF EXISTS standards_vetted_areas(uuid, date);
