-- A Hotline database as the last release before migrations left it (git 3b13d4d):
-- that release's init_db (Tortoise.generate_schemas(safe=True), then the
-- append-only triggers) on an empty SQLite file, seed_demo, and a few rows
-- more in most tables (M2M included).  Dumped with sqlite3's iterdump.
-- tests/unit/test_migrations.py upgrades it.  Frozen: never regenerate it
-- from newer models, it stands for databases users already have.
BEGIN TRANSACTION;
CREATE TABLE "agent" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "extension" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(100) NOT NULL,
    "sip_password" VARCHAR(128) NOT NULL,
    "skills" JSON NOT NULL,
    "logged_in" INT NOT NULL,
    "paused" INT NOT NULL,
    "pause_reason" VARCHAR(64) NOT NULL,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE
);
INSERT INTO "agent" VALUES(1,'1001','Agent 1001','c9514f88097144a4d63a6c83daead5d3','{}',1,0,'',1);
INSERT INTO "agent" VALUES(2,'1002','Agent 1002','c9514f88097144a4d63a6c83daead5d3','{}',1,0,'',1);
CREATE TABLE "api_token" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "token_sha256" VARCHAR(64) NOT NULL UNIQUE,
    "role" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
INSERT INTO "api_token" VALUES(1,'demo admin','ef52fb7a31e2e0460985a5b33b8faa0c0f16a2b5c4d422c893e8da8a64e2a844','administrator','2026-12-04 09:19:02.158501+00:00');
INSERT INTO "api_token" VALUES(2,'extra','ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff','supervisor','2026-12-04 09:19:02.158918+00:00');
CREATE TABLE "audit_entry" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "username" VARCHAR(64) NOT NULL,
    "ip" VARCHAR(64) NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "object_type" VARCHAR(64) NOT NULL,
    "object_id" VARCHAR(128) NOT NULL,
    "before" JSON,
    "after" JSON
);
INSERT INTO "audit_entry" VALUES(1,'2026-12-04 09:19:02.159381+00:00','alice','','ui','login','user','',NULL,'{"ok":true}');
CREATE TABLE "business_calendar" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "timezone" VARCHAR(64) NOT NULL,
    "hours" JSON NOT NULL,
    "holidays" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
INSERT INTO "business_calendar" VALUES(1,'office','Europe/Berlin','[{"days":[1,2],"from":"09:00","to":"17:00"}]','[]','2026-12-04 09:19:02.164768+00:00');
CREATE TABLE "call_event" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "kind" VARCHAR(32) NOT NULL,
    "data" JSON NOT NULL,
    "call_id" VARCHAR(64) NOT NULL REFERENCES "call_record" ("call_id") ON DELETE CASCADE
);
INSERT INTO "call_event" VALUES(1,'2026-12-01 09:30:00+00:00','entered','{"did":"8000"}','c-1');
INSERT INTO "call_event" VALUES(2,'2026-12-01 09:30:05+00:00','queued','{"queue":"support"}','c-1');
CREATE TABLE "call_record" (
    "call_id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "tenant_id" INT,
    "did" VARCHAR(32) NOT NULL,
    "caller_id" VARCHAR(64) NOT NULL,
    "flow_version_id" INT,
    "queue" VARCHAR(64),
    "agent_extension" VARCHAR(32),
    "started_at" TIMESTAMP NOT NULL,
    "answered_at" TIMESTAMP,
    "ended_at" TIMESTAMP,
    "disposition" VARCHAR(32)
);
INSERT INTO "call_record" VALUES('c-1',NULL,'8000','+15550001',NULL,NULL,NULL,'2026-12-01 09:30:00+00:00',NULL,NULL,'answered');
CREATE TABLE "connected_call" (
    "call_id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "queue" VARCHAR(64) NOT NULL,
    "agent_extension" VARCHAR(32) NOT NULL,
    "agent_channel_id" VARCHAR(64) NOT NULL,
    "bridge_id" VARCHAR(64) NOT NULL,
    "answered_at" REAL NOT NULL
);
INSERT INTO "connected_call" VALUES('c-3','support','1001','ch','b-3',2.5);
CREATE TABLE "dialplan_draft" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL UNIQUE,
    "text" TEXT NOT NULL,
    "updated_by" VARCHAR(100) NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
INSERT INTO "dialplan_draft" VALUES(1,'custom','exten => 1,1,NoOp(it''s; fine)','','2026-12-04 09:19:02.166245+00:00');
CREATE TABLE "dialplan_version" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "text" TEXT NOT NULL,
    "applied_by" VARCHAR(100) NOT NULL,
    "applied_at" TIMESTAMP NOT NULL,
    "result" VARCHAR(16) NOT NULL,
    "error" TEXT NOT NULL
);
CREATE TABLE "did" (
    "number" VARCHAR(32) NOT NULL PRIMARY KEY,
    "flow_id" INT NOT NULL REFERENCES "flow" ("id") ON DELETE CASCADE,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE
);
INSERT INTO "did" VALUES('8000',1,1);
CREATE TABLE "fax_back_settings" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "max_attempts" INT NOT NULL,
    "first_delay_s" INT NOT NULL,
    "max_delay_s" INT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE "fax_did" (
    "number" VARCHAR(32) NOT NULL PRIMARY KEY,
    "email" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
INSERT INTO "fax_did" VALUES('8100','fax@example.org','2026-12-04 09:19:02.165191+00:00');
CREATE TABLE "fax_document" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" VARCHAR(16) NOT NULL UNIQUE,
    "title" VARCHAR(200) NOT NULL,
    "pages" INT NOT NULL,
    "pdf_path" VARCHAR(500) NOT NULL,
    "tiff_path" VARCHAR(500) NOT NULL,
    "size_bytes" INT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "uploaded_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
INSERT INTO "fax_document" VALUES(1,'1','Hotline demo document (2 pages)',2,'/tmp/migwork/var/fax/documents/1-de27cd924df7.pdf','/tmp/migwork/var/ast/var/spool/asterisk/fax/hotline/documents/1-de27cd924df7.tif',3078,'de27cd924df7fafb4bd5655062cbe324d05d899e8f4d24f57ebf09b23aea9a94','seed','2026-12-04 09:19:02.156889+00:00','2026-12-04 09:19:02.156913+00:00');
CREATE TABLE "fax_job" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "direction" VARCHAR(3) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "remote_number" VARCHAR(32) NOT NULL,
    "local_number" VARCHAR(32) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "pages" INT NOT NULL,
    "rate_bps" INT NOT NULL,
    "ecm" INT NOT NULL,
    "t38" INT NOT NULL,
    "error" VARCHAR(300) NOT NULL,
    "attempts" INT NOT NULL,
    "max_attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "result_path" VARCHAR(500) NOT NULL,
    "emailed_to" VARCHAR(200) NOT NULL,
    "call_id" VARCHAR(128) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "finished_at" TIMESTAMP,
    "document_id" INT REFERENCES "fax_document" ("id") ON DELETE SET NULL
);
INSERT INTO "fax_job" VALUES(1,'in','receive','','','received',2,0,0,0,'',0,1,NULL,'','','','2026-12-04 09:19:02.165709+00:00','2026-12-04 09:19:02.165714+00:00',NULL,NULL);
CREATE TABLE "flow" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "draft" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "published_version_id" INT,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_flow_tenant__7d0234" UNIQUE ("tenant_id", "name")
);
INSERT INTO "flow" VALUES(1,'Main menu','{"start":"greet","nodes":{"greet":{"kind":"play","label":"Welcome","media":["sound:hello-world"],"interruptible":true,"next":"menu"},"menu":{"kind":"menu","label":"Main menu","prompt":["sound:vm-press","digits:1","sound:vm-press","digits:2","sound:vm-press","digits:3","sound:vm-press","digits:9"],"options":{"1":"support_hold","2":"voicemail","3":"fax_on_demand","9":"menu"},"timeout_s":5,"max_attempts":3,"invalid_prompt":["sound:pbx-invalid"],"timeout_prompt":["sound:please-try-again"],"on_exhausted":"goodbye"},"support_hold":{"kind":"play","label":"Support: please hold","media":["sound:one-moment-please"],"next":"support_queue"},"support_queue":{"kind":"queue","label":"Support queue","queue":"support","priority":0,"max_wait_s":600,"on_overflow":"goodbye"},"voicemail":{"kind":"voicemail","label":"Voicemail box 5000","box":"5000","greeting":"unavailable","max_length_s":120,"silence_s":5,"operator":"support_hold","next":"voicemail_done","on_no_message":"menu","on_failure":"goodbye"},"voicemail_done":{"kind":"hangup","label":"Message left: goodbye","media":["sound:vm-goodbye"],"reason":"voicemail_left"},"fax_on_demand":{"kind":"fax_on_demand","label":"Fax on demand","mode":"ask","next":"menu","on_invalid":"menu","on_failure":"goodbye"},"goodbye":{"kind":"hangup","label":"Goodbye","media":["sound:vm-goodbye"],"reason":"menu_exhausted"}}}','2026-12-04 09:19:01.898901+00:00',1,1);
CREATE TABLE "flow_version" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" INT NOT NULL,
    "definition" JSON NOT NULL,
    "published_at" TIMESTAMP NOT NULL,
    "published_by" VARCHAR(100) NOT NULL,
    "flow_id" INT NOT NULL REFERENCES "flow" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_flow_versio_flow_id_1c115e" UNIQUE ("flow_id", "version")
);
INSERT INTO "flow_version" VALUES(1,1,'{"start":"greet","nodes":{"greet":{"kind":"play","label":"Welcome","media":["sound:hello-world"],"interruptible":true,"next":"menu"},"menu":{"kind":"menu","label":"Main menu","prompt":["sound:vm-press","digits:1","sound:vm-press","digits:2","sound:vm-press","digits:3","sound:vm-press","digits:9"],"options":{"1":"support_hold","2":"voicemail","3":"fax_on_demand","9":"menu"},"timeout_s":5,"max_attempts":3,"invalid_prompt":["sound:pbx-invalid"],"timeout_prompt":["sound:please-try-again"],"on_exhausted":"goodbye"},"support_hold":{"kind":"play","label":"Support: please hold","media":["sound:one-moment-please"],"next":"support_queue"},"support_queue":{"kind":"queue","label":"Support queue","queue":"support","priority":0,"max_wait_s":600,"on_overflow":"goodbye"},"voicemail":{"kind":"voicemail","label":"Voicemail box 5000","box":"5000","greeting":"unavailable","max_length_s":120,"silence_s":5,"operator":"support_hold","next":"voicemail_done","on_no_message":"menu","on_failure":"goodbye"},"voicemail_done":{"kind":"hangup","label":"Message left: goodbye","media":["sound:vm-goodbye"],"reason":"voicemail_left"},"fax_on_demand":{"kind":"fax_on_demand","label":"Fax on demand","mode":"ask","next":"menu","on_invalid":"menu","on_failure":"goodbye"},"goodbye":{"kind":"hangup","label":"Goodbye","media":["sound:vm-goodbye"],"reason":"menu_exhausted"}}}','2026-12-04 09:19:01.898611+00:00','seed',1);
CREATE TABLE "lookup_allowed_host" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "entry" VARCHAR(255) NOT NULL,
    "added_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_lookup_allo_tenant__78c15b" UNIQUE ("tenant_id", "entry")
);
CREATE TABLE "pause_reason" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "code" VARCHAR(32) NOT NULL,
    "digits" VARCHAR(2) NOT NULL,
    "label_en" VARCHAR(64) NOT NULL,
    "label_zh" VARCHAR(64) NOT NULL,
    "position" INT NOT NULL,
    "active" INT NOT NULL,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_pause_reaso_tenant__0384d3" UNIQUE ("tenant_id", "code"),
    CONSTRAINT "uid_pause_reaso_tenant__741001" UNIQUE ("tenant_id", "digits")
);
INSERT INTO "pause_reason" VALUES(1,'break','1','Break','休息',10,1,1);
INSERT INTO "pause_reason" VALUES(2,'lunch','2','Lunch','午餐',20,1,1);
INSERT INTO "pause_reason" VALUES(3,'meeting','3','Meeting','会议',30,1,1);
INSERT INTO "pause_reason" VALUES(4,'training','4','Training','培训',40,1,1);
INSERT INTO "pause_reason" VALUES(5,'other','5','Other','其他',50,1,1);
CREATE TABLE "prompt" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "category" VARCHAR(32) NOT NULL,
    "language" VARCHAR(8) NOT NULL,
    "duration_s" REAL NOT NULL,
    "size_bytes" INT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "uploaded_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "version" INT NOT NULL
);
CREATE TABLE "prompt_version" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" INT NOT NULL,
    "language" VARCHAR(8) NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "source_format" VARCHAR(8) NOT NULL,
    "tts_text" TEXT,
    "duration_s" REAL NOT NULL,
    "size_bytes" INT NOT NULL,
    "sha256" VARCHAR(64) NOT NULL,
    "uploaded_by" VARCHAR(64) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "prompt_id" INT NOT NULL REFERENCES "prompt" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_prompt_vers_prompt__4de6a1" UNIQUE ("prompt_id", "version")
);
CREATE TABLE "pstn_outbound_request" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "caller" VARCHAR(80) NOT NULL,
    "number" VARCHAR(32) NOT NULL,
    "at" TIMESTAMP NOT NULL,
    "allowed" INT NOT NULL,
    "reason" VARCHAR(32) NOT NULL
);
CREATE TABLE "queue" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "strategy" VARCHAR(32) NOT NULL,
    "ring_timeout_s" INT NOT NULL,
    "wrapup_s" INT NOT NULL,
    "max_wait_s" INT,
    "overflow_kind" VARCHAR(16),
    "overflow_target" VARCHAR(64),
    "join_empty" INT NOT NULL,
    "leave_empty" INT NOT NULL,
    "announce_every_s" INT,
    "announce_ewt" INT NOT NULL,
    "moh_class" VARCHAR(64) NOT NULL,
    "required_skills" JSON NOT NULL,
    "max_misses" INT NOT NULL,
    "vip_caller_ids" JSON NOT NULL,
    "vip_priority" INT NOT NULL,
    "tenant_id" INT NOT NULL REFERENCES "tenant" ("id") ON DELETE CASCADE
);
INSERT INTO "queue" VALUES(1,'support','longest-idle',15,3,NULL,NULL,NULL,1,0,30,1,'default','{}',2,'[]',10,1);
CREATE TABLE "queue_member" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "penalty" INT NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE,
    "queue_id" INT NOT NULL REFERENCES "queue" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_queue_membe_queue_i_9b725b" UNIQUE ("queue_id", "agent_id")
);
INSERT INTO "queue_member" VALUES(1,0,1,1);
INSERT INTO "queue_member" VALUES(2,0,2,1);
CREATE TABLE "role" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "builtin" INT NOT NULL,
    "permissions" JSON NOT NULL
);
INSERT INTO "role" VALUES(1,'administrator',1,'["agents:edit","agents:view","audit:edit","audit:view","dashboard:edit","dashboard:view","dialplan:edit","dialplan:publish","dialplan:view","fax:edit","fax:view","flows:edit","flows:publish","flows:view","prompts:edit","prompts:view","queues:edit","queues:view","roles:edit","roles:view","shifts:edit","shifts:plan","shifts:view","users:edit","users:view","voicemail:edit","voicemail:view"]');
INSERT INTO "role" VALUES(2,'supervisor',1,'["agents:edit","agents:view","audit:view","dashboard:edit","dashboard:view","fax:edit","fax:view","flows:view","prompts:edit","prompts:view","queues:edit","queues:view","shifts:edit","shifts:plan","shifts:view","voicemail:edit","voicemail:view"]');
INSERT INTO "role" VALUES(3,'telecom engineer',1,'["agents:view","dashboard:edit","dashboard:view","dialplan:edit","dialplan:publish","dialplan:view","fax:edit","fax:view","flows:edit","flows:publish","flows:view","prompts:edit","prompts:view","queues:view"]');
INSERT INTO "role" VALUES(4,'agent',1,'["dashboard:view","queues:view","shifts:view"]');
INSERT INTO "role" VALUES(5,'auditor',1,'["agents:view","audit:view","dashboard:view","dialplan:view","fax:view","flows:view","prompts:view","queues:view","roles:view","shifts:view","users:view","voicemail:view"]');
CREATE TABLE "shift_exception" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "day" DATE NOT NULL,
    "off" INT NOT NULL,
    "start_minute" INT,
    "end_minute" INT,
    "note" VARCHAR(200) NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE
);
INSERT INTO "shift_exception" VALUES(1,'2026-12-24',1,NULL,NULL,'Christmas Eve; closed',1);
CREATE TABLE "shift_pattern" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "weekday" INT NOT NULL,
    "start_minute" INT NOT NULL,
    "end_minute" INT NOT NULL,
    "agent_id" INT NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE
);
INSERT INTO "shift_pattern" VALUES(1,1,540,1020,1);
CREATE TABLE "tenant" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE
);
INSERT INTO "tenant" VALUES(1,'demo');
CREATE TABLE "user" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "username" VARCHAR(64) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "display_name" VARCHAR(100) NOT NULL,
    "language" VARCHAR(8) NOT NULL,
    "is_active" INT NOT NULL,
    "phone_extension" VARCHAR(32)
);
INSERT INTO "user" VALUES(1,'admin','$argon2id$v=19$m=8,t=1,p=1$RZwX48ccVCQmdzwseiJJCQ$trtghCKkPw0U5FbO++lcPgU6p7UaP6GMKg8Q9LfMXVg','Administrator','en',1,'1001');
INSERT INTO "user" VALUES(2,'bob','x','Bob 中文','en',1,NULL);
CREATE TABLE "user_group" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(64) NOT NULL UNIQUE,
    "ip_allowlist" JSON NOT NULL
);
INSERT INTO "user_group" VALUES(1,'Administrators','[]');
INSERT INTO "user_group" VALUES(2,'night shift','[]');
CREATE TABLE "user_group_member" (
    "user_id" INT NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE,
    "usergroup_id" INT NOT NULL REFERENCES "user_group" ("id") ON DELETE CASCADE
);
INSERT INTO "user_group_member" VALUES(1,1);
INSERT INTO "user_group_member" VALUES(2,2);
CREATE TABLE "user_group_role" (
    "user_group_id" INT NOT NULL REFERENCES "user_group" ("id") ON DELETE CASCADE,
    "role_id" INT NOT NULL REFERENCES "role" ("id") ON DELETE CASCADE
);
INSERT INTO "user_group_role" VALUES(1,1);
CREATE TABLE "user_session_epoch" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" INT NOT NULL,
    "user_id" INT NOT NULL UNIQUE REFERENCES "user" ("id") ON DELETE CASCADE
);
CREATE TABLE "vm_mailbox" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" VARCHAR(16) NOT NULL UNIQUE,
    "name" VARCHAR(64) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "owner" VARCHAR(64) NOT NULL,
    "pin_hash" VARCHAR(200) NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "retention_days" INT,
    "max_message_s" INT NOT NULL,
    "greeting_unavailable" VARCHAR(200) NOT NULL,
    "greeting_busy" VARCHAR(200) NOT NULL,
    "greeting_name" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
INSERT INTO "vm_mailbox" VALUES(1,'5000','Support line','queue','support','$argon2id$v=19$m=8,t=1,p=1$ipwINDPvVDfJNPT755AwJg$0QfO+0fd8skNfkqET0S7ziUtcULlWFToaaUfzke3wUw','support@example.org',30,120,'','','','2026-12-04 09:19:01.923300+00:00');
INSERT INTO "vm_mailbox" VALUES(2,'1001','Agent 1001','agent','1001','$argon2id$v=19$m=8,t=1,p=1$ipwINDPvVDfJNPT755AwJg$0QfO+0fd8skNfkqET0S7ziUtcULlWFToaaUfzke3wUw','agent1001@example.org',NULL,180,'','','','2026-12-04 09:19:01.924807+00:00');
INSERT INTO "vm_mailbox" VALUES(3,'1002','Agent 1002','agent','1002','$argon2id$v=19$m=8,t=1,p=1$ipwINDPvVDfJNPT755AwJg$0QfO+0fd8skNfkqET0S7ziUtcULlWFToaaUfzke3wUw','agent1002@example.org',NULL,180,'','','','2026-12-04 09:19:01.925741+00:00');
CREATE TABLE "vm_message" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "caller_id" VARCHAR(80) NOT NULL,
    "duration_s" REAL NOT NULL,
    "received_at" TIMESTAMP NOT NULL,
    "folder" VARCHAR(8) NOT NULL,
    "heard" INT NOT NULL,
    "audio_path" VARCHAR(200) NOT NULL,
    "call_id" VARCHAR(64) NOT NULL,
    "email_status" VARCHAR(16) NOT NULL,
    "email_error" VARCHAR(300) NOT NULL,
    "mailbox_id" INT NOT NULL REFERENCES "vm_mailbox" ("id") ON DELETE CASCADE
);
INSERT INTO "vm_message" VALUES(1,'+15550002',4.5,'2026-12-01 09:30:00+00:00','new',0,'a/b.wav','','pending','',2);
CREATE TABLE "vm_pin_failure" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "box" VARCHAR(16) NOT NULL,
    "caller" VARCHAR(80) NOT NULL,
    "at" TIMESTAMP NOT NULL
);
CREATE TABLE "vm_pin_lockout" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "scope" VARCHAR(8) NOT NULL,
    "key" VARCHAR(80) NOT NULL,
    "locked_at" TIMESTAMP NOT NULL,
    "until" TIMESTAMP NOT NULL,
    "failures" INT NOT NULL
);
CREATE TABLE "waiting_caller" (
    "call_id" VARCHAR(64) NOT NULL PRIMARY KEY,
    "queue" VARCHAR(64) NOT NULL,
    "priority" INT NOT NULL,
    "caller_id" VARCHAR(64) NOT NULL,
    "joined_at" REAL NOT NULL,
    "bridge_id" VARCHAR(64) NOT NULL
);
INSERT INTO "waiting_caller" VALUES('c-2','support',0,'',1.5,'b-2');
CREATE INDEX "idx_dialplan_ve_kind_dc2ec2" ON "dialplan_version" ("kind");
CREATE INDEX "idx_pstn_outbou_caller_ee31df" ON "pstn_outbound_request" ("caller");
CREATE INDEX "idx_pstn_outbou_number_3871c4" ON "pstn_outbound_request" ("number");
CREATE INDEX "idx_pstn_outbou_at_ef3851" ON "pstn_outbound_request" ("at");
CREATE INDEX "idx_vm_pin_fail_box_94aebe" ON "vm_pin_failure" ("box");
CREATE INDEX "idx_vm_pin_fail_caller_597606" ON "vm_pin_failure" ("caller");
CREATE INDEX "idx_vm_pin_fail_at_87ef46" ON "vm_pin_failure" ("at");
CREATE INDEX "idx_vm_pin_lock_until_5bfd45" ON "vm_pin_lockout" ("until");
CREATE UNIQUE INDEX "uidx_user_group__user_id_41f10b" ON "user_group_member" ("user_id", "usergroup_id");
CREATE UNIQUE INDEX "uidx_user_group__user_gr_258fdd" ON "user_group_role" ("user_group_id", "role_id");
CREATE TRIGGER "audit_entry_append_only_update" BEFORE UPDATE ON "audit_entry" FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END;
CREATE TRIGGER "audit_entry_append_only_delete" BEFORE DELETE ON "audit_entry" FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END;
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('tenant',1);
INSERT INTO "sqlite_sequence" VALUES('flow',1);
INSERT INTO "sqlite_sequence" VALUES('flow_version',1);
INSERT INTO "sqlite_sequence" VALUES('queue',1);
INSERT INTO "sqlite_sequence" VALUES('agent',2);
INSERT INTO "sqlite_sequence" VALUES('queue_member',2);
INSERT INTO "sqlite_sequence" VALUES('pause_reason',5);
INSERT INTO "sqlite_sequence" VALUES('vm_mailbox',3);
INSERT INTO "sqlite_sequence" VALUES('role',5);
INSERT INTO "sqlite_sequence" VALUES('user_group',2);
INSERT INTO "sqlite_sequence" VALUES('user',2);
INSERT INTO "sqlite_sequence" VALUES('fax_document',1);
INSERT INTO "sqlite_sequence" VALUES('api_token',2);
INSERT INTO "sqlite_sequence" VALUES('audit_entry',1);
INSERT INTO "sqlite_sequence" VALUES('call_event',2);
INSERT INTO "sqlite_sequence" VALUES('vm_message',1);
INSERT INTO "sqlite_sequence" VALUES('shift_pattern',1);
INSERT INTO "sqlite_sequence" VALUES('shift_exception',1);
INSERT INTO "sqlite_sequence" VALUES('business_calendar',1);
INSERT INTO "sqlite_sequence" VALUES('fax_job',1);
INSERT INTO "sqlite_sequence" VALUES('dialplan_draft',1);
COMMIT;
