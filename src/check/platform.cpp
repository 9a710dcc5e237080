// CANON.md §2 over the platform repository: every Secret indexed by
// (namespace, name) wherever its file lives, each one SOPS-encrypted, and
// for each app the Secrets web-core references and the CNPG clusters of its
// database.
#include <fmt/format.h>

#include "check/rules.hpp"
#include "yaml/edit.hpp"
#include "yaml/scalar.hpp"

namespace kanon::check::detail {
namespace {

using yaml::Kind;
using yaml::NodeId;

// The value of `key` in mapping `map`, k_no_node if absent.
NodeId child(const yaml::Stream& s, NodeId map, std::string_view key)
{
    map = deref(s, map);
    if (map == yaml::k_no_node || s.node(map).kind != Kind::mapping) {
        return yaml::k_no_node;
    }
    const auto& kids = s.node(map).children;
    for (std::size_t i = 0; i + 1 < kids.size(); i += 2) {
        if (s.key_equals(kids[i], key)) {
            return deref(s, kids[i + 1]);
        }
    }
    return yaml::k_no_node;
}

NodeId child_path(const yaml::Stream& s, NodeId node, std::initializer_list<std::string_view> keys)
{
    for (auto k : keys) {
        node = child(s, node, k);
    }
    return node;
}

std::string text_of(const yaml::Stream& s, NodeId id)
{
    if (id == yaml::k_no_node || s.node(id).kind != Kind::scalar || is_null(s.node(id))) {
        return {};
    }
    return s.node(id).value;
}

// `ENC[AES256_GCM,data:...,iv:...,tag:...,type:...]`, what sops writes for
// every value it encrypts.
bool is_sops_value(std::string_view v)
{
    constexpr std::string_view head = "ENC[AES256_GCM,data:";
    if (v.size() < head.size() + 1 || v.substr(0, head.size()) != head || v.back() != ']') {
        return false;
    }
    return v.find(",iv:") != std::string_view::npos && v.find(",tag:") != std::string_view::npos &&
           v.find(",type:") != std::string_view::npos;
}

// platform/not-encrypted for one Secret document.
void check_encrypted(const yaml::Stream& s, NodeId root, const std::string& ns, const std::string& name,
                     std::vector<Finding>& out)
{
    NodeId sops = child(s, root, "sops");
    std::string id = fmt::format("{}/{}", ns.empty() ? "(no namespace)" : ns, name);
    if (sops == yaml::k_no_node || s.node(sops).kind != Kind::mapping || text_of(s, child(s, sops, "mac")).empty() ||
        text_of(s, child(s, sops, "version")).empty()) {
        out.push_back(make_finding(
            "platform/not-encrypted", node_at(s, root),
            fmt::format("Secret {} is not SOPS-encrypted (no sops block with a mac and a version): encrypt it "
                        "with 'sops --encrypt --in-place {}' before it is committed",
                        id, s.name())));
        return;
    }
    for (std::string_view section : {"data", "stringData"}) {
        NodeId values = child(s, root, section);
        if (values == yaml::k_no_node || s.node(values).kind != Kind::mapping) {
            continue;
        }
        const auto& kids = s.node(values).children;
        for (std::size_t i = 0; i + 1 < kids.size(); i += 2) {
            NodeId v = deref(s, kids[i + 1]);
            const yaml::Node& n = s.node(v);
            bool empty = n.kind == Kind::scalar && (n.value.empty() || is_null(n));
            if (empty || (n.kind == Kind::scalar && is_sops_value(n.value))) {
                continue;
            }
            out.push_back(make_finding(
                "platform/not-encrypted", node_at(s, v),
                fmt::format("Secret {}: {}.{} is in plain text although the file has a sops block (edited after "
                            "encryption?); set it with 'sops {}' so that it is encrypted",
                            id, section, text_of(s, kids[i]), s.name())));
        }
    }
}

}  // namespace

void index_platform_file(const File& f, const std::string& kustomize_ns, PlatformIndex& index,
                         std::vector<Finding>& out)
{
    if (!f.stream) {
        return;
    }
    const yaml::Stream& s = *f.stream;
    for (const auto& doc : s.documents()) {
        NodeId root = deref(s, doc.root);
        if (root == yaml::k_no_node || s.node(root).kind != Kind::mapping) {
            continue;
        }
        std::string kind = text_of(s, child(s, root, "kind"));
        std::string api = text_of(s, child(s, root, "apiVersion"));
        NodeId meta = child(s, root, "metadata");
        std::string name = text_of(s, child(s, meta, "name"));
        std::string ns = text_of(s, child(s, meta, "namespace"));
        if (ns.empty()) {
            ns = kustomize_ns;
        }
        if (kind == "Secret" && (api == "v1" || api.empty())) {
            check_encrypted(s, root, ns, name, out);
            if (!name.empty()) {
                index.secrets.emplace(std::make_pair(ns, name), PlatformObject{node_at(s, root), {}, std::nullopt});
            }
        } else if (kind == "Cluster" && api.rfind("postgresql.cnpg.io/", 0) == 0 && !name.empty()) {
            PlatformObject obj{node_at(s, root), {}, std::nullopt};
            NodeId secret = child_path(s, root, {"spec", "bootstrap", "initdb", "secret", "name"});
            if (secret != yaml::k_no_node) {
                obj.initdb_secret = text_of(s, secret);
                obj.initdb_at = node_at(s, secret);
            }
            index.clusters.emplace(std::make_pair(ns, name), std::move(obj));
        }
    }
}

void check_app_platform(const canon::Config& c, const std::string& app, const AppFacts& facts,
                        const PlatformIndex& index, std::vector<Finding>& out)
{
    // platform/secret-missing: every Secret web-core names exists where the pod runs.
    for (const auto& ref : facts.refs) {
        if (index.secrets.count({ref.ns, ref.name}) != 0) {
            continue;
        }
        out.push_back(make_finding(
            "platform/secret-missing", ref.where,
            fmt::format("Secret '{}' is referenced here ({}) but the platform repo has no Secret '{}' in namespace "
                        "'{}'; the pods would not start: add it there, SOPS-encrypted ('kanon init {} --platform "
                        "PATH' prints the commands)",
                        ref.name, ref.what, ref.name, ref.ns, app)));
    }

    // The database: an app has one when any of its clusters or its initdb
    // Secret exists; then all of them must.
    const std::string& db_ns = c.database_namespace;
    std::string initdb = canon::expand(c.initdb_secret, app, "");
    const PlatformObject* evidence = nullptr;
    std::string evidence_name;
    auto secret_it = index.secrets.find({db_ns, initdb});
    std::vector<std::pair<std::string, const PlatformObject*>> clusters;
    for (const auto& st : c.stages) {
        if (st.cnpg_cluster.empty()) {
            continue;
        }
        std::string name = canon::expand(st.cnpg_cluster, app, st.name);
        auto it = index.clusters.find({db_ns, name});
        clusters.emplace_back(name, it == index.clusters.end() ? nullptr : &it->second);
        if (evidence == nullptr && it != index.clusters.end()) {
            evidence = &it->second;
            evidence_name = "Cluster " + name;
        }
    }
    if (evidence == nullptr && secret_it != index.secrets.end()) {
        evidence = &secret_it->second;
        evidence_name = "Secret " + initdb;
    }
    // kanon.yaml's word counts as much as a cluster found: an empty platform
    // repository does not pass for an app that has a database.
    PlatformObject declared{{}, {}, std::nullopt};
    if (auto a = c.apps.find(app); evidence == nullptr && a != c.apps.end() && a->second.database) {
        declared.where = a->second.database_at;
        evidence = &declared;
        evidence_name = "kanon.yaml's apps." + app + ".database";
    }
    if (evidence == nullptr) {
        return;  // no database
    }
    const PlatformObject* first_cluster = nullptr;
    for (const auto& [name, obj] : clusters) {
        if (obj == nullptr) {
            out.push_back(make_finding(
                "platform/cnpg-missing", evidence->where,
                fmt::format("{} has a database ({} is here) but no CNPG Cluster '{}' in namespace '{}': add it, "
                            "bootstrapped from '{}' (spec.bootstrap.initdb.secret.name)",
                            app, evidence_name, name, db_ns, initdb)));
            continue;
        }
        first_cluster = first_cluster != nullptr ? first_cluster : obj;
        if (obj->initdb_secret != initdb) {
            out.push_back(make_finding(
                "platform/cnpg-initdb", obj->initdb_at.value_or(obj->where),
                obj->initdb_secret.empty()
                    ? fmt::format("Cluster '{}' does not bootstrap from '{}': set "
                                  "spec.bootstrap.initdb.secret.name: {}",
                                  name, initdb, initdb)
                    : fmt::format("Cluster '{}' bootstraps from '{}', not '{}' (the Secret dev and prod share)", name,
                                  obj->initdb_secret, initdb)));
        }
    }
    if (secret_it == index.secrets.end()) {
        out.push_back(make_finding(
            "platform/secret-missing", first_cluster != nullptr ? first_cluster->where : evidence->where,
            fmt::format("{}'s CNPG clusters bootstrap from Secret '{}', which is not in namespace '{}': add it "
                        "(kubernetes.io/basic-auth, username and password), SOPS-encrypted",
                        app, initdb, db_ns)));
    }
}

}  // namespace kanon::check::detail
