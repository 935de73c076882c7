DROP TRIGGER IF EXISTS standards_outcomes_index ON standards_outcomes;
DROP FUNCTION IF EXISTS notify_directory_vetting();
DROP TRIGGER IF EXISTS referrals_vetting_guard ON referrals;
DROP FUNCTION IF EXISTS referral_vetting_guard();
DROP TABLE IF EXISTS referral_vetting_requirements;
DROP FUNCTION IF EXISTS standards_vetted_areas(uuid, date);
