# shellcheck shell=bash
# What Cloud Assistant's plugin manager (acs-plugin-manager) does with its --params= value before
# a plugin runs, shared by the stand-ins of test/standin/bin (Linux) and test/standin/bin-windows
# (Windows); see test/standin/README.md. Sources: the agent aliyun/aliyun_assist_client,
# agent/pluginmanager/acspluginmanager/option.go (SplitArgs) and its vendored
# github.com/google/shlex.

# read_standin_config ARRAY: the stand-ins' configuration, into the associative array ARRAY: the
# defaults below, then /etc/acs-plugin-standin.conf, or the file named by ACS_STANDIN_CONFIG (which
# must then exist): KEY=value lines, # comments, values optionally in "..." or '...'; the file is
# parsed, never sourced. Both stand-ins read the same file, so each knows every key; each checks
# the values of its own. Calls config_error MESSAGE (the caller's) on an unknown key or a bad line.
read_standin_config() {
  local -n config=$1
  local file=${ACS_STANDIN_CONFIG:-/etc/acs-plugin-standin.conf} line key value n=0
  config=(
    # the plugin (test/standin/bin/acs-plugin-manager)
    [mounts]='' [snapshot_dir]='' [state_dir]='/run/acs-plugin-standin' [ram_role]='' [fail]='none'
    [hang_seconds]='600' [copy_delay]='0' [script_paths]='fixed' [instance_id]='i-standin0000000000001'
    # the Windows plugin manager (test/standin/bin-windows/acs-plugin-manager)
    [manager_fail]='none' [plugin_timeout]='60'
  )
  if [[ ! -e $file ]]; then
    [[ -z ${ACS_STANDIN_CONFIG:-} ]] || config_error "$file does not exist"
    return 0
  fi
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -z $line || $line == '#'* ]] && continue
    [[ $line =~ ^([a-z_]+)=(.*)$ ]] || config_error "$file:$n: expected KEY=value"
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    [[ -v config[$key] ]] || config_error "$file:$n: unknown key '$key'"
    config["$key"]=$value
  done <"$file"
}

# shlex_split TEXT: sets SHLEX_TOKENS to the words Go's shlex.Split returns for TEXT, keeping what
# it returns on an error as SplitArgs does (it ignores the error):
# - space, tab, CR and LF separate words;
# - '...' is literal; in "..." a backslash takes the next character literally; outside quotes \x
#   is x (the backslash is eaten);
# - # at the start of a word comments out the rest of the line (inside a word it is a character);
# - an unclosed quote or a trailing backslash drops that word, and the rest of the text with it;
#   the words before it are kept.
shlex_split() {
  local text=$1 i c state=start word=''
  SHLEX_TOKENS=()
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case $state in
      start | word)
        case $c in
          ' ' | $'\t' | $'\r' | $'\n')
            if [[ $state == word ]]; then SHLEX_TOKENS+=("$word"); fi
            word='' state=start
            ;;
          '"') state=dquote ;;
          "'") state=squote ;;
          \\) state=escape ;;
          '#') if [[ $state == start ]]; then state=comment; else word+=$c; fi ;;
          *) word+=$c state=word ;;
        esac
        ;;
      escape) word+=$c state=word ;;
      dquote)
        case $c in
          '"') state=word ;;
          \\) state=dquote_escape ;;
          *) word+=$c ;;
        esac
        ;;
      dquote_escape) word+=$c state=dquote ;;
      squote)
        if [[ $c == "'" ]]; then state=word; else word+=$c; fi
        ;;
      comment)
        if [[ $c == $'\n' ]]; then state=start; fi
        ;;
    esac
  done
  # A word still open in quotes or after a backslash is lost with shlex's error.
  if [[ $state == word ]]; then SHLEX_TOKENS+=("$word"); fi
}

# split_plugin_params VALUE [SEPARATOR]: sets PLUGIN_ARGS to the plugin's arguments the manager
# makes of --params=VALUE: every SEPARATOR (default ",", even inside quotes) becomes a space, then
# shlex_split. (--paramsV2=VALUE skips the separator step: call shlex_split directly.)
split_plugin_params() {
  local separator=${2:-,}
  shlex_split "${1//"$separator"/ }"
  # shellcheck disable=SC2034 # read by the stand-in that sources this file
  PLUGIN_ARGS=("${SHLEX_TOKENS[@]}")
}
