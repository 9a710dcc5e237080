// The pipeline's report is a value rendered by pure functions: exact text,
// the JSON keys of CLI.md, JUnit XML that escapes everything and counts
// right, and dotenv lines GitLab reads as they are.
#include <gtest/gtest.h>

#include "cli/pipeline_report.hpp"

namespace kanon::cli {
namespace {

using std::chrono::milliseconds;

const std::string k_dev_commit = "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b";
const std::string k_ref = "0123456789abcdef0123456789abcdef01234567";

PipelineStep& step(PipelineReport& r, const std::string& name, const std::string& stage)
{
    PipelineStep* s = r.find(name, stage);
    EXPECT_NE(s, nullptr) << name << " " << stage;
    return *s;
}

void passed(PipelineStep& s, long started_ms, long elapsed_ms, const std::string& reason)
{
    s.status = StepStatus::passed;
    s.outcome = "passed";
    s.started = milliseconds(started_ms);
    s.elapsed = milliseconds(elapsed_ms);
    s.reason = reason;
}

// dev released, deployed, then its smoke check failed: prod never touched.
PipelineReport smoke_failed_in_dev()
{
    PipelineReport r;
    r.app = "synestra-io";
    r.tag = "1.4.0";
    r.ref = k_ref;
    r.gate = "auto";
    r.repo = "file:///srv/web-core.git";
    r.branch = "main";
    r.stages = {"dev", "prod"};
    r.steps = plan_steps(r.stages);
    r.started_at = std::chrono::system_clock::time_point(milliseconds(1'795'000'000'250));
    passed(step(r, "build-contract", ""), 10, 300, k_ref + " is in web-core (fetched by SHA)");
    step(r, "build-contract", "").commit = k_ref;
    auto& rel = step(r, "release", "dev");
    passed(rel, 310, 412, "1a2b3c4d5e6f tag 1.4.0, was 1.0.0 (1 attempt)");
    rel.commit = k_dev_commit;
    rel.changed = true;
    rel.attempts = 1;
    passed(step(r, "wait", "dev"), 722, 3100, "http://127.0.0.1:8080: answers with 1.4.0");
    step(r, "wait", "dev").via = "http";
    step(r, "wait", "dev").wait = nlohmann::ordered_json{{"ok", true}, {"steps", nlohmann::ordered_json::array()}};
    auto& smoke = step(r, "smoke", "dev");
    smoke.status = StepStatus::failed;
    smoke.outcome = "failed";
    smoke.started = milliseconds(3822);
    smoke.elapsed = milliseconds(95);
    smoke.reason = "1 of 2 paths failed: /admin (answered 500)";
    smoke.details = "PATH    RESULT\n/admin  FAIL <b>&\"quoted\"</b>";
    smoke.smoke = nlohmann::ordered_json{{"ok", false}};
    for (const char* name : {"promote", "wait", "smoke"}) {
        step(r, name, "prod").reason = "an earlier step failed";
    }
    r.commits["dev"] = k_dev_commit;
    r.exit_code = ExitCode::verify_failed;
    r.reason = "smoke in dev failed at 1a2b3c4d5e6f (tag 1.4.0): 1 of 2 paths failed: /admin (answered 500)";
    r.notes = {"dev: 1.4.0 committed as " + k_dev_commit + "; deployed, but its smoke check failed",
               "prod: not touched"};
    r.next = "kanon reset synestra-io --repo /srv/web-core.git";
    r.next_why = "brings dev back to prod's release";
    r.elapsed = milliseconds(3917);
    return r;
}

TEST(PipelineReport, PlanHasBuildContractThenThreeStepsPerStage)
{
    auto steps = plan_steps({"dev", "staging", "prod"});
    std::vector<std::string> names;
    for (const auto& s : steps) {
        names.push_back(s.stage.empty() ? s.name : s.stage + ":" + s.name);
        EXPECT_EQ(s.status, StepStatus::not_run);
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"build-contract", "dev:release", "dev:wait", "dev:smoke", "staging:promote",
                                        "staging:wait", "staging:smoke", "prod:promote", "prod:wait", "prod:smoke"}));
}

TEST(PipelineReport, ElapsedFormats)
{
    EXPECT_EQ(elapsed_prefix(milliseconds(412)), "[  0.4s] ");
    EXPECT_EQ(elapsed_prefix(milliseconds(123'456)), "[123.5s] ");
    EXPECT_EQ(elapsed_prefix(milliseconds(0)), "[  0.0s] ");
    EXPECT_EQ(iso8601(std::chrono::system_clock::time_point(milliseconds(1'795'000'000'250))),
              "2026-11-18T11:06:40.250Z");
}

TEST(PipelineReport, TextSaysWhatFailedWhereAndWhatToRunNext)
{
    EXPECT_EQ(render_pipeline_text(smoke_failed_in_dev(), Paint{}),
              "STAGE  STEP            STATUS   TIME  DETAIL\n"
              "-      build-contract  passed   0.3s  " +
                  k_ref +
                  " is in web-core (fetched by SHA)\n"
                  "dev    release         passed   0.4s  1a2b3c4d5e6f tag 1.4.0, was 1.0.0 (1 attempt)\n"
                  "dev    wait            passed   3.1s  http://127.0.0.1:8080: answers with 1.4.0\n"
                  "dev    smoke           FAILED   0.1s  1 of 2 paths failed: /admin (answered 500)\n"
                  "prod   promote         not run  -     an earlier step failed\n"
                  "prod   wait            not run  -     an earlier step failed\n"
                  "prod   smoke           not run  -     an earlier step failed\n"
                  "dev: smoke:\n"
                  "  PATH    RESULT\n"
                  "  /admin  FAIL <b>&\"quoted\"</b>\n"
                  "FAILED (exit 4): smoke in dev failed at 1a2b3c4d5e6f (tag 1.4.0): 1 of 2 paths failed: /admin "
                  "(answered 500)\n"
                  "commits: dev " +
                  k_dev_commit +
                  ", prod -\n"
                  "note: dev: 1.4.0 committed as " +
                  k_dev_commit +
                  "; deployed, but its smoke check failed\n"
                  "note: prod: not touched\n"
                  "next: kanon reset synestra-io --repo /srv/web-core.git\n"
                  "      (brings dev back to prod's release)\n");
}

TEST(PipelineReport, TextOfAPassedAndOfAGatedRun)
{
    PipelineReport r;
    r.app = "a";
    r.tag = "7";
    r.stages = {"dev", "prod"};
    r.steps = plan_steps(r.stages);
    r.reason = "7 is deployed and smoke-checked in dev, prod";
    r.elapsed = milliseconds(1500);
    auto text = render_pipeline_text(r, Paint{});
    EXPECT_NE(text.find("\npassed: a 7 is deployed and smoke-checked in dev, prod (1.5s)\ncommits: dev -, prod -\n"),
              std::string::npos)
        << text;
    r.gated = true;
    r.next = "kanon promote a --from dev --to prod --tag 7 --wait --smoke";
    text = render_pipeline_text(r, Paint{});
    EXPECT_NE(text.find("\ngated: a "), std::string::npos) << text;
    EXPECT_NE(text.find("\nnext: kanon promote a --from dev --to prod --tag 7 --wait --smoke\n"), std::string::npos);
}

TEST(PipelineReport, JsonHasTheKeysOfCliMd)
{
    auto j = pipeline_json(smoke_failed_in_dev());
    for (const char* key : {"ok", "reason", "app", "tag", "ref", "gate", "exit_code", "steps", "commits", "next"}) {
        EXPECT_TRUE(j.contains(key)) << key;
    }
    EXPECT_EQ(j["ok"], false);
    EXPECT_EQ(j["result"], "failed");
    EXPECT_EQ(j["exit_code"], 4);
    EXPECT_EQ(j["ref"], k_ref);
    EXPECT_EQ(j["commits"]["dev"], k_dev_commit);
    EXPECT_TRUE(j["commits"]["prod"].is_null());
    EXPECT_EQ(j["failed"]["stage"], "dev");
    EXPECT_EQ(j["failed"]["step"], "smoke");
    EXPECT_EQ(j["failed"]["commit"], k_dev_commit);
    ASSERT_EQ(j["steps"].size(), 7U);
    EXPECT_TRUE(j["steps"][0]["stage"].is_null());
    EXPECT_EQ(j["steps"][0]["name"], "build-contract");
    const auto& rel = j["steps"][1];
    EXPECT_EQ(rel["name"], "release");
    EXPECT_EQ(rel["stage"], "dev");
    EXPECT_EQ(rel["status"], "passed");
    EXPECT_EQ(rel["commit"], k_dev_commit);
    EXPECT_EQ(rel["attempts"], 1);
    EXPECT_EQ(rel["changed"], true);
    EXPECT_EQ(rel["elapsed_ms"], 412);
    EXPECT_EQ(j["steps"][2]["via"], "http");
    EXPECT_EQ(j["steps"][2]["wait"]["ok"], true);
    EXPECT_EQ(j["steps"][3]["status"], "failed");
    EXPECT_EQ(j["steps"][3]["smoke"]["ok"], false);
    EXPECT_EQ(j["steps"][4]["status"], "not-run");
    EXPECT_FALSE(j["steps"][4].contains("commit"));
    EXPECT_FALSE(j["steps"][4].contains("wait"));
}

TEST(PipelineReport, JsonOfAPassedRunHasNoNext)
{
    PipelineReport r;
    r.app = "a";
    r.tag = "7";
    r.stages = {"dev"};
    r.steps = plan_steps(r.stages);
    auto j = pipeline_json(r);
    EXPECT_EQ(j["ok"], true);
    EXPECT_EQ(j["result"], "passed");
    EXPECT_TRUE(j["ref"].is_null());
    EXPECT_FALSE(j.contains("next"));
    EXPECT_FALSE(j.contains("failed"));
}

TEST(PipelineReport, XmlEscapesEntitiesLineBreaksAndControlCharacters)
{
    EXPECT_EQ(xml_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;");
    EXPECT_EQ(xml_escape("a\nb\tc\rd\x01"
                         "e\x7f"),
              "a&#10;b&#9;c&#13;d?e?");
    EXPECT_EQ(xml_escape("ü ✓"), "ü ✓");
    EXPECT_EQ(xml_text("a <b>\n\tc\r\x02"), "a &lt;b&gt;\n\tc&#13;?");
}

TEST(PipelineReport, JUnitCountsFailuresAndSkips)
{
    auto r = smoke_failed_in_dev();
    step(r, "build-contract", "").status = StepStatus::skipped;
    auto xml = render_junit(r);
    EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0U);
    EXPECT_NE(xml.find("<testsuite name=\"kanon pipeline synestra-io\" tests=\"7\" failures=\"1\" errors=\"0\" "
                       "skipped=\"4\" time=\"3.917\" timestamp=\"2026-11-18T11:06:40.250Z\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<testcase classname=\"kanon.pipeline.synestra-io\" name=\"dev: release\" time=\"0.412\" "
                       "timestamp=\"2026-11-18T11:06:40.560Z\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<failure message=\"1 of 2 paths failed: /admin (answered 500)\" type=\"failed\">1 of 2 paths "
                       "failed: /admin (answered 500)\nPATH    RESULT\n/admin  FAIL "
                       "&lt;b&gt;&amp;&quot;quoted&quot;&lt;/b&gt;</failure>"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("name=\"prod: promote\" time=\"0.000\">\n      <skipped"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<skipped message=\"not-run: an earlier step failed\"/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("name=\"build-contract\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("<property name=\"commit.dev\" value=\"" + k_dev_commit + "\"/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<property name=\"commit.prod\" value=\"\"/>"), std::string::npos) << xml;
    EXPECT_EQ(xml.substr(xml.size() - 29), "  </testsuite>\n</testsuites>\n");
}

TEST(PipelineReport, DotenvNamesCommitsAfterTheStages)
{
    auto r = smoke_failed_in_dev();
    r.urls["dev"] = "https://dev.synestra.io";
    r.urls["prod"] = "https://synestra.io/?q=a b";  // GitLab's dotenv could not keep it: left empty
    auto env = render_dotenv(r);
    ASSERT_TRUE(env.ok()) << env.error().message;
    EXPECT_EQ(*env,
              "KANON_APP=synestra-io\n"
              "KANON_TAG=1.4.0\n"
              "KANON_REF=" +
                  k_ref +
                  "\n"
                  "KANON_DEV_COMMIT=" +
                  k_dev_commit +
                  "\n"
                  "KANON_DEV_URL=https://dev.synestra.io\n"
                  "KANON_PROD_COMMIT=\n"
                  "KANON_PROD_URL=\n"
                  "KANON_RESULT=failed\n"
                  "KANON_EXIT_CODE=4\n");
    EXPECT_EQ(dotenv_commit_name("qa-eu.1"), "KANON_QA_EU_1_COMMIT");
    EXPECT_EQ(dotenv_url_name("qa-eu.1"), "KANON_QA_EU_1_URL");
}

TEST(PipelineReport, DotenvRefusesValuesGitLabWouldChange)
{
    auto r = smoke_failed_in_dev();
    for (const std::string bad : {"a b", "a\nb", "a\"b", "a#b", "a$b", "a'b"}) {
        r.tag = bad;
        auto env = render_dotenv(r);
        ASSERT_FALSE(env.ok()) << bad;
        EXPECT_NE(env.error().message.find("KANON_TAG"), std::string::npos);
    }
}

TEST(PipelineReport, ResultNamesInterruptedAndGated)
{
    auto r = smoke_failed_in_dev();
    r.exit_code = ExitCode::interrupted;
    EXPECT_EQ(pipeline_json(r)["result"], "interrupted");
    EXPECT_NE(render_pipeline_text(r, Paint{}).find("\nINTERRUPTED (exit 130): "), std::string::npos);
    r.exit_code = ExitCode::ok;
    r.gated = true;
    EXPECT_EQ(pipeline_json(r)["result"], "gated");
    EXPECT_NE(render_dotenv(r)->find("KANON_RESULT=gated\n"), std::string::npos);
}

TEST(PipelineReport, ShellQuoteOnlyWhenNeeded)
{
    EXPECT_EQ(shell_quote("file:///srv/web-core.git"), "file:///srv/web-core.git");
    EXPECT_EQ(shell_quote("/tmp/my repo"), "'/tmp/my repo'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote(""), "''");
}

}  // namespace
}  // namespace kanon::cli
