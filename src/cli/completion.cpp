// Shell completion scripts from the command table (cli/reference.hpp).
//
// bash and zsh share the data, written as shell functions both read the
// same way: the commands under a command path, a path's flags, and what a
// flag's (or the Nth positional's) value is. Each shell then has its own
// driver: walk the words typed so far to the command path, then offer
// commands, flags or values. fish has its own idiom, `complete` lines with
// conditions. App and stage names come from `kanon __complete`, which reads
// the repository named by --repo or $KANON_REPO (only when one is named).
#include <fmt/format.h>

#include "cli/reference.hpp"

namespace kanon::cli {
namespace {

// 'text' for the shell: single quotes, a quote inside closed and reopened.
std::string squote(const std::string& s)
{
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out + "'";
}

// The words of a list, space-separated (enumerated values have no blanks).
std::string space_joined(const std::vector<std::string>& list)
{
    std::string s;
    for (const auto& w : list) {
        s += (s.empty() ? "" : " ") + w;
    }
    return s;
}

// A description on one line, short enough for a completion menu.
std::string menu_text(const std::string& s)
{
    std::string one;
    for (char c : s) {
        one += (c == '\n' || c == '\t') ? ' ' : c;
    }
    if (one.size() > 90) {
        auto cut = one.rfind(' ', 87);
        one = one.substr(0, cut == std::string::npos ? 87 : cut) + "...";
    }
    return one;
}

std::string path_key(const CommandRef& c)
{
    std::string k;
    for (const auto& p : c.path) {
        k += (k.empty() ? "" : " ") + p;
    }
    return k;
}

void each_command(const CommandRef& c, const std::function<void(const CommandRef&)>& f)
{
    f(c);
    for (const auto& s : c.subcommands) {
        each_command(s, f);
    }
}

// What the drivers do with a value: "choice a b", app, stage, file, dir, text.
std::string kind_word(const OptionRef& o)
{
    switch (o.kind) {
        case ValueKind::choice:
            return "choice " + space_joined(o.choices);
        case ValueKind::app:
            return "app";
        case ValueKind::stage:
            return "stage";
        case ValueKind::file:
            return "file";
        case ValueKind::dir:
            return "dir";
        case ValueKind::none:
            break;
    }
    return "text";
}

// The data both bash and zsh read (POSIX case and printf only).
std::string shell_data(const CommandRef& root)
{
    std::string commands;
    std::string flags;
    std::string kinds;
    each_command(root, [&](const CommandRef& c) {
        std::string key = squote(path_key(c));
        if (!c.subcommands.empty()) {
            commands += fmt::format("    {}) printf '%s\\n'", key);
            for (const auto& s : c.subcommands) {
                commands += " \\\n        " + squote(s.path.back() + ":" + menu_text(s.summary));
            }
            commands += " ;;\n";
        }
        if (!c.options.empty()) {
            flags += fmt::format("    {}) printf '%s\\n'", key);
            for (const auto& o : c.options) {
                for (const auto& n : o.names) {
                    flags += " \\\n        " + squote(n + ":" + menu_text(o.description));
                }
            }
            flags += " ;;\n";
        }
        for (const auto& o : c.options) {
            if (!o.takes_value) {
                continue;
            }
            for (const auto& n : o.names) {
                kinds += fmt::format("    {}) echo {} ;;\n", squote(path_key(c) + "|" + n), squote(kind_word(o)));
            }
        }
        for (std::size_t i = 0; i < c.positionals.size(); ++i) {
            const OptionRef& p = c.positionals[i];
            // A positional that repeats takes every word from its place on.
            std::string pattern = p.repeats ? squote(fmt::format("{}|#", path_key(c))) + "*"
                                            : squote(fmt::format("{}|#{}", path_key(c), i));
            kinds += fmt::format("    {}) echo {} ;;\n", pattern, squote(kind_word(p)));
        }
    });
    return fmt::format(
        "# The commands under a command path ('' is kanon itself), as NAME:SUMMARY.\n"
        "__kanon_commands() {{\n  case \"$1\" in\n{}  esac\n}}\n\n"
        "# A command path's own flags, as FLAG:DESCRIPTION (the global ones are under '').\n"
        "__kanon_flags() {{\n  case \"$1\" in\n{}  esac\n}}\n\n"
        "# What follows a flag, or is the Nth positional (#N), of a command path:\n"
        "# choice VALUES, app, stage, file, dir or text. Nothing: it takes no value.\n"
        "__kanon_kind() {{\n  case \"$1|$2\" in\n{}  esac\n}}\n\n"
        "# App or stage names from the repository (--repo or $KANON_REPO), if one is named.\n"
        "__kanon_names() {{\n"
        "  [ -n \"$3\" ] || [ \"$2\" = stages ] || return 0\n"
        "  local kanon_bin=$1 what=$2 repo=$3 config=$4\n"
        "  set -- __complete \"$what\"\n"
        "  [ -n \"$repo\" ] && set -- \"$@\" --repo \"$repo\"\n"
        "  [ -n \"$config\" ] && set -- \"$@\" --config \"$config\"\n"
        "  if command -v timeout >/dev/null 2>&1; then\n"
        "    timeout 10 \"$kanon_bin\" \"$@\" 2>/dev/null\n"
        "  else\n"
        "    \"$kanon_bin\" \"$@\" 2>/dev/null\n"
        "  fi\n"
        "}}\n",
        commands, flags, kinds);
}

// The walk both drivers make, in the syntax both shells read: from the
// words before the cursor to the command path, the positionals seen, and
// the repository and kanon.yaml named.
const char* const k_walk = R"SH(  local cmdpath='' npos=0 i w kind found repo=${KANON_REPO:-} config=''
  i=$first
  while [ "$i" -lt "$cword" ]; do
    w=${words[$i]}
    case "$w" in
      --repo=*) repo=${w#--repo=} ;;
      --config=*) config=${w#--config=} ;;
      -*=*) ;;
      -*)
        kind=$(__kanon_kind "$cmdpath" "$w")
        [ -z "$kind" ] && kind=$(__kanon_kind '' "$w")
        if [ -n "$kind" ]; then
          i=$((i + 1))
          [ "${words[$i]}" = '=' ] && i=$((i + 1))
          [ "$w" = --repo ] && repo=${words[$i]}
          [ "$w" = --config ] && config=${words[$i]}
        fi ;;
      *)
        found=''
        case "
$(__kanon_commands "$cmdpath")" in
          *"
$w:"*) found=1 ;;
        esac
        if [ -n "$w" ] && [ -n "$found" ]; then
          cmdpath=${cmdpath:+$cmdpath }$w
          npos=0
        else
          npos=$((npos + 1))
        fi ;;
    esac
    i=$((i + 1))
  done
)SH";

std::string bash_script(const CommandRef& root, const std::string& version)
{
    return fmt::format(R"SH(# bash completion for kanon {}
# Generated from kanon's command table by `kanon completion bash`; installed as
# /usr/share/bash-completion/completions/kanon, or: source <(kanon completion bash)

{}
_kanon() {{
  local words cword first=1 cur prev flag='' typed
  # COMP_WORDS is split at COMP_WORDBREAKS too (':' and '='), so a URL after
  # --repo would be four words: the line typed so far, split at blanks, is
  # what kanon will see. (COMPREPLY is matched against the part after the
  # last ':' or '=', which the values offered here never contain.)
  typed=${{COMP_LINE:0:${{COMP_POINT:-${{#COMP_LINE}}}}}}
  if [ -n "$typed" ]; then
    IFS=$' \t\n' read -ra words <<<"$typed"
    case "$typed" in *[[:space:]]) words+=('') ;; esac
  else
    words=("${{COMP_WORDS[@]}}")
  fi
  cword=$((${{#words[@]}} - 1))
  cur=${{words[$cword]}}
  prev=''
  [ "$cword" -gt 0 ] && prev=${{words[$((cword - 1))]}}
  case "$cur" in
    -*=*) flag=${{cur%%=*}}; cur=${{cur#*=}} ;;  # --flag=value: the value is the flag's
  esac
{}  local IFS=$'\n' line values=''
  if [ -z "$flag" ] && [ "${{cur#-}}" = "$cur" ]; then
    if [ -n "$prev" ] && [ "${{prev#-}}" != "$prev" ]; then
      kind=$(__kanon_kind "$cmdpath" "$prev")
      [ -z "$kind" ] && kind=$(__kanon_kind '' "$prev")
      [ -n "$kind" ] && flag=$prev
    fi
  fi
  if [ -n "$flag" ]; then
    kind=$(__kanon_kind "$cmdpath" "$flag")
    [ -z "$kind" ] && kind=$(__kanon_kind '' "$flag")
  elif [ "${{cur#-}}" != "$cur" ]; then
    for line in $(__kanon_flags "$cmdpath") $(__kanon_flags '') '--help:'; do
      values+="${{line%%:*}}"$'\n'
    done
    COMPREPLY=($(compgen -W "$values" -- "$cur"))
    return 0
  else
    for line in $(__kanon_commands "$cmdpath"); do
      values+="${{line%%:*}}"$'\n'
    done
    if [ -n "$values" ]; then
      COMPREPLY=($(compgen -W "$values" -- "$cur"))
      return 0
    fi
    kind=$(__kanon_kind "$cmdpath" "#$npos")
  fi
  case "$kind" in
    choice\ *) IFS=$' \t\n'; COMPREPLY=($(compgen -W "${{kind#choice }}" -- "$cur")) ;;
    app) COMPREPLY=($(compgen -W "$(__kanon_names "${{words[0]}}" apps "$repo" "$config")" -- "$cur")) ;;
    stage) COMPREPLY=($(compgen -W "$(__kanon_names "${{words[0]}}" stages "$repo" "$config")" -- "$cur")) ;;
    file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    *) COMPREPLY=() ;;
  esac
  return 0
}}
complete -F _kanon kanon
)SH",
                       version, shell_data(root), k_walk);
}

std::string zsh_script(const CommandRef& root, const std::string& version)
{
    return fmt::format(R"SH(#compdef kanon
# zsh completion for kanon {}
# Generated from kanon's command table by `kanon completion zsh`; installed as
# /usr/share/zsh/vendor-completions/_kanon, or: source <(kanon completion zsh)

{}
_kanon() {{
  local first=2 cword=$CURRENT cur=${{words[CURRENT]}} prev=${{words[CURRENT-1]}} flag=''
  local -a items values
{}  if [[ $cur == -*=* ]]; then
    flag=${{cur%%=*}}
    compset -P '*='
  elif [[ $prev == -* ]]; then
    kind=$(__kanon_kind "$cmdpath" "$prev")
    [[ -z $kind ]] && kind=$(__kanon_kind '' "$prev")
    [[ -n $kind ]] && flag=$prev
  fi
  if [[ -n $flag ]]; then
    kind=$(__kanon_kind "$cmdpath" "$flag")
    [[ -z $kind ]] && kind=$(__kanon_kind '' "$flag")
  elif [[ $cur == -* ]]; then
    items=("${{(@f)$(__kanon_flags "$cmdpath"; __kanon_flags '')}}" '--help:show the help')
    _describe -t flags 'flag' items
    return
  else
    items=("${{(@f)$(__kanon_commands "$cmdpath")}}")
    if [[ -n ${{items[1]}} ]]; then
      _describe -t commands 'command' items
      return
    fi
    kind=$(__kanon_kind "$cmdpath" "#$npos")
  fi
  case "$kind" in
    choice\ *) values=(${{=kind#choice }}); compadd -a values ;;
    app) values=(${{(f)"$(__kanon_names "${{words[1]}}" apps "$repo" "$config")"}}); compadd -a values ;;
    stage) values=(${{(f)"$(__kanon_names "${{words[1]}}" stages "$repo" "$config")"}}); compadd -a values ;;
    file) _files ;;
    dir) _files -/ ;;
    *) _message 'a value' ;;
  esac
}}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _kanon "$@"
else
  compdef _kanon kanon
fi
)SH",
                       version, shell_data(root), k_walk);
}

std::string fish_condition(const CommandRef& c)
{
    return fmt::format("__kanon_at {}", squote(path_key(c)));
}

// What fish offers for a value: the choices, names from the repository,
// files or directories; nothing for free text (-x: no file names either).
std::string fish_values(const OptionRef& o)
{
    switch (o.kind) {
        case ValueKind::choice:
            return " -x -a " + squote(space_joined(o.choices));
        case ValueKind::app:
            return " -x -a '(__kanon_names apps)'";
        case ValueKind::stage:
            return " -x -a '(__kanon_names stages)'";
        case ValueKind::file:
            return " -r -F";
        case ValueKind::dir:
            return " -x -a '(__fish_complete_directories)'";
        case ValueKind::none:
            break;
    }
    return o.takes_value ? " -x" : "";
}

void fish_option(std::string& out, const std::string& condition, const OptionRef& o)
{
    std::string line = "complete -c kanon";
    if (!condition.empty()) {
        line += " -n " + squote(condition);
    }
    for (const auto& n : o.names) {
        line += n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1);
    }
    line += fish_values(o);
    out += line + " -d " + squote(menu_text(o.description)) + "\n";
}

std::string fish_script(const CommandRef& root, const std::string& version)
{
    std::string paths;
    each_command(root, [&](const CommandRef& c) {
        if (!c.path.empty()) {
            paths += " " + squote(path_key(c));
        }
    });
    std::string out = fmt::format(R"SH(# fish completion for kanon {}
# Generated from kanon's command table by `kanon completion fish`; installed as
# /usr/share/fish/vendor_completions.d/kanon.fish, or: kanon completion fish | source

set -g __kanon_paths{}

# The command path typed so far: each word that names a command under it.
function __kanon_path
    set -l p ''
    for w in (commandline -opc)[2..-1]
        set -l next (string trim -- "$p $w")
        if contains -- $next $__kanon_paths
            set p $next
        end
    end
    echo $p
end

function __kanon_at
    test (__kanon_path) = "$argv[1]"
end

# App or stage names from the repository (--repo or $KANON_REPO), if one is named.
function __kanon_names
    set -l words (commandline -opc)
    set -l repo $KANON_REPO
    set -l config
    for i in (seq (count $words))
        switch $words[$i]
            case --repo
                set repo $words[(math $i + 1)]
            case '--repo=*'
                set repo (string replace -- --repo= '' $words[$i])
            case --config
                set config --config $words[(math $i + 1)]
        end
    end
    if test -z "$repo" -a "$argv[1]" != stages
        return 0
    end
    set -l args __complete $argv[1] $config
    if test -n "$repo"
        set args $args --repo $repo
    end
    $words[1] $args 2>/dev/null
end

complete -c kanon -f
complete -c kanon -s h -l help -d 'show the help'
)SH",
                                  version, paths);
    each_command(root, [&](const CommandRef& c) {
        std::string cond = fish_condition(c);
        for (const auto& s : c.subcommands) {
            out += fmt::format("complete -c kanon -n {} -a {} -d {}\n", squote(cond), squote(s.path.back()),
                               squote(menu_text(s.summary)));
        }
        for (const auto& o : c.options) {
            fish_option(out, c.path.empty() ? std::string() : cond, o);
        }
        for (const auto& p : c.positionals) {
            if (p.kind != ValueKind::none) {
                out += fmt::format("complete -c kanon -n {}{}\n", squote(cond), fish_values(p));
            }
        }
    });
    return out;
}

}  // namespace

std::string completion_script(const CommandRef& root, const std::string& shell, const std::string& version)
{
    if (shell == "bash") {
        return bash_script(root, version);
    }
    if (shell == "zsh") {
        return zsh_script(root, version);
    }
    return fish_script(root, version);
}

}  // namespace kanon::cli
