ALTER TABLE "projects" ADD COLUMN "access_epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The one access rule. A user's role on a project: an explicit membership, or through the project's
-- team (team owners manage, team members view), whichever is higher; administrators are owners
-- everywhere. NULL when the user has none (and for anonymous callers, whose id is NULL). Every
-- parameter is named and every column qualified, so no caller's query can rebind a name in here.
CREATE FUNCTION project_role(p_project uuid, p_user uuid) RETURNS project_role
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT max(r.role) FROM (
    SELECT pm.role FROM project_members pm WHERE pm.project_id = p_project AND pm.user_id = p_user
    UNION ALL
    SELECT CASE tm.role WHEN 'owner' THEN 'manager'::project_role ELSE 'viewer'::project_role END
      FROM projects p JOIN team_members tm ON tm.team_id = p.team_id
      WHERE p.id = p_project AND tm.user_id = p_user
    UNION ALL
    SELECT 'owner'::project_role FROM users u WHERE u.id = p_user AND u.is_admin
  ) r
$$;
--> statement-breakpoint
-- Reading a project: it is public, or the user has a role on it.
CREATE FUNCTION can_read_project(p_project uuid, p_user uuid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce((SELECT p.is_public FROM projects p WHERE p.id = p_project), false)
    OR project_role(p_project, p_user) IS NOT NULL
$$;
--> statement-breakpoint
-- Access epochs: whatever can take access away moves the project's epoch, and signed tile tokens
-- minted in an older epoch stop working (workers/auth/access.ts).
CREATE FUNCTION bump_access_epoch(p_projects uuid[]) RETURNS void
LANGUAGE sql AS $$
  UPDATE projects SET access_epoch = access_epoch + 1 WHERE id = ANY (p_projects)
$$;
--> statement-breakpoint
CREATE FUNCTION project_members_revoke() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.role < OLD.role OR NEW.user_id <> OLD.user_id OR NEW.project_id <> OLD.project_id THEN
    PERFORM bump_access_epoch(ARRAY[OLD.project_id]);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER project_members_revoke AFTER UPDATE OR DELETE ON project_members
  FOR EACH ROW EXECUTE FUNCTION project_members_revoke();
--> statement-breakpoint
CREATE FUNCTION team_members_revoke() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR NEW.role < OLD.role OR NEW.user_id <> OLD.user_id OR NEW.team_id <> OLD.team_id THEN
    PERFORM bump_access_epoch(ARRAY(SELECT p.id FROM projects p WHERE p.team_id = OLD.team_id));
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER team_members_revoke AFTER UPDATE OR DELETE ON team_members
  FOR EACH ROW EXECUTE FUNCTION team_members_revoke();
--> statement-breakpoint
-- A project made private or moved out of its team (a team's deletion sets team_id NULL, so it lands here too).
CREATE FUNCTION projects_revoke() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.is_public AND NOT NEW.is_public) OR NEW.team_id IS DISTINCT FROM OLD.team_id THEN
    NEW.access_epoch := OLD.access_epoch + 1;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER projects_revoke BEFORE UPDATE OF is_public, team_id ON projects
  FOR EACH ROW EXECUTE FUNCTION projects_revoke();
--> statement-breakpoint
-- A data product made private or deleted: tokens that opened it, anonymous ones included, die with it.
CREATE FUNCTION data_products_revoke() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' OR (OLD.is_public AND NOT NEW.is_public) OR NEW.project_id <> OLD.project_id THEN
    PERFORM bump_access_epoch(ARRAY[OLD.project_id]);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER data_products_revoke AFTER UPDATE OF is_public, project_id OR DELETE ON data_products
  FOR EACH ROW EXECUTE FUNCTION data_products_revoke();
