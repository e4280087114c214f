# shellcheck shell=bash
# What Cloud Assistant's plugin manager (acs-plugin-manager) does around a plugin, shared by the
# stand-ins of the Linux plugin manager (test/standin/bin) and the Windows one
# (test/standin/bin-windows): its configuration file, its command line, its own exit codes with
# their error line, its execution timeout, and its split of --params= into the plugin's
# arguments. See test/standin/README.md. Sources: the agent aliyun/aliyun_assist_client,
# agent/pluginmanager/acspluginmanager (acspluginmanager.go, errcode.go, errorcode_unix.go,
# errorcode_windows.go, option.go's SplitArgs), its vendored github.com/google/shlex and
# thirdparty/aliyun-cli/cli/parser.go.
#
# The stand-in that sources this file sets MANAGER_OS (linux or windows), MANAGER_PLUGINS (the
# plugins it can run), STANDIN_PLUGIN (the program that simulates them, run as
# `STANDIN_PLUGIN --standin-plugin-run PLUGIN N MANAGER_ARGV(N) PLUGIN_ARGS...`) and defines
# config_error MESSAGE.

readonly POLL_SECONDS=0.05
# The plugin manager's execution timeout when the plugin's config.json gives none (acspluginmanager.go).
readonly DEFAULT_PLUGIN_TIMEOUT=60
# The agent's cli exits 1 on a bad command line.
readonly EXIT_BAD_CLI=1
readonly EXIT_EXECUTE_TIMEOUT=247

# Microseconds since the epoch, for durations.
micros() {
  REPLY=${EPOCHREALTIME/./}
}

# process_alive PID: whether the process runs (a killed one stays a zombie until it is reaped,
# and kill -0 would still find it).
process_alive() {
  local stat
  read -r stat 2>/dev/null </proc/"$1"/stat || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# --- configuration --------------------------------------------------------------------------

# read_standin_config ARRAY: the stand-ins' configuration, into the associative array ARRAY: the
# defaults below, then /etc/acs-plugin-standin.conf, or the file named by ACS_STANDIN_CONFIG (which
# must then exist): KEY=value lines, # comments, values optionally in "..." or '...'; the file is
# parsed, never sourced. The plugin managers and the plugin read the same file, so each knows
# every key; each checks the values of its own. Calls config_error on an unknown key or a bad line.
read_standin_config() {
  local -n config=$1
  local file=${ACS_STANDIN_CONFIG:-/etc/acs-plugin-standin.conf} line key value n=0
  config=(
    # the plugin (test/standin/bin/acs-plugin-manager --standin-plugin-run)
    [mounts]='' [snapshot_dir]='' [state_dir]='/run/acs-plugin-standin' [ram_role]='' [fail]='none'
    [hang_seconds]='600' [copy_delay]='0' [script_paths]='fixed' [instance_id]='i-standin0000000000001'
    [log_verdict]='true'
    # the plugin managers (this file)
    [manager_fail]='none' [plugin_timeout]='' [timeout_flag]='honoured'
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

# --- --params= ------------------------------------------------------------------------------

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
  PLUGIN_ARGS=("${SHLEX_TOKENS[@]}")
}

# --- the command line -------------------------------------------------------------------------

# What the command line asked for.
ARGV=()
ACTION=''
PLUGIN=''
PARAMS=''
PARAMS_V2=''
SEPARATOR=','
EXEC_TIMEOUT=''
# The execution timeout in force, seconds (0: none), and the plugin's arguments.
TIMEOUT=''
PLUGIN_ARGS=()
# A command line that the manager's own rules split into ARGV (the Windows stand-in sets it).
COMMAND_LINE=''

declare -A MANAGER_CFG=()

# manager_finish CODE [ERROR]: records what this run of the plugin manager received and did
# ($state_dir/manager-runs/N.json), then exits with CODE.
manager_finish() {
  local state=${MANAGER_CFG[state_dir]:-/run/acs-plugin-standin} i named=() n
  if mkdir -p "$state/manager-runs" 2>/dev/null; then
    for i in "${!ARGV[@]}"; do named+=(--arg "a:$i" "${ARGV[i]}"); done
    for i in "${!PLUGIN_ARGS[@]}"; do named+=(--arg "t:$i" "${PLUGIN_ARGS[i]}"); done
    n=$(find "$state/manager-runs" -name '*.json' | wc -l)
    jq -n --argjson exitCode "$1" --arg error "${2:-}" --arg commandLine "$COMMAND_LINE" --arg plugin "$PLUGIN" \
      --arg params "$PARAMS" --arg timeout "$TIMEOUT" "${named[@]}" \
      '($ARGS.named | to_entries) as $e | def list(p): $e | map(select(.key | startswith(p))) | sort_by(.key[2:] | tonumber) | map(.value);
      {argv: list("a:"), commandLine: (if $commandLine == "" then null else $commandLine end), plugin: $plugin, params: $params,
        pluginArgs: list("t:"), timeout: (if $timeout == "" then null else ($timeout | tonumber) end),
        exitCode: $exitCode, error: (if $error == "" then null else $error end)}' \
      >"$state/manager-runs/$((n + 1)).json"
  fi
  exit "$1"
}

manager_usage_error() {
  echo "ERROR: $1"
  manager_finish "$EXIT_BAD_CLI" "$1"
}

set_flag_value() {
  case $1 in
    plugin) PLUGIN=$2 ;;
    params) PARAMS=$2 ;;
    paramsV2) PARAMS_V2=$2 ;;
    separator) SEPARATOR=$2 ;;
    timeout) EXEC_TIMEOUT=$2 ;;
  esac
}

# manager_parse_cli ARG...: the aliyun-cli parser (thirdparty/aliyun-cli/cli/parser.go):
# --name=value and --name:value are split at the first = or :; a flag that takes a value and has
# none (--params= included) takes the next argument whole; a flag given twice, a value for a flag
# that takes none, or a missing value end with exit 1. Flags it does not know take a value and
# are otherwise ignored.
manager_parse_cli() {
  local arg name value pending='' has_value
  declare -A seen=()
  ARGV=("$@")
  for arg in "$@"; do
    if [[ -n $pending ]]; then
      set_flag_value "$pending" "$arg"
      pending=''
      continue
    fi
    if [[ $arg != -* ]]; then continue; fi
    has_value=0 value=''
    if [[ $arg =~ ^([^=:]*)[=:](.*)$ ]]; then
      name=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]} has_value=1
    else
      name=$arg
    fi
    case $name in
      --) manager_usage_error "not support '--' in command line" ;;
      --*) name=${name#--} ;;
      -e) name='exec' ;;
      -l) name=list ;;
      -L) name=local ;;
      -v) name=version ;;
      -h) name=help ;;
      -V) name=verbose ;;
      -P) name=plugin ;;
      -p) name=params ;;
      -s) name=separator ;;
      -n) name=pluginVersion ;;
      -F) name='file' ;;
      -?) manager_usage_error "unknown flag $name" ;;
      *) manager_usage_error "not support flag form $name" ;;
    esac
    [[ ! -v seen[$name] ]] || manager_usage_error "--$name duplicated"
    seen[$name]=1
    case $name in
      exec | list | local | version | help | verbose | status | verify | remove)
        [[ $has_value == 0 || -z $value ]] || manager_usage_error "flag --$name can't be assiged"
        case $name in exec | list | version | help) [[ -n $ACTION ]] || ACTION=$name ;; esac
        ;;
      *)
        if [[ -n $value ]]; then set_flag_value "$name" "$value"; else pending=$name; fi
        ;;
    esac
  done
  [[ -z $pending ]] || manager_usage_error "--$pending must be assigned with value"
  [[ $ACTION != list || ! -v seen[exec] ]] || ACTION='exec'
}

# --- its own failures -----------------------------------------------------------------------

# What the plugin manager prints when it fails itself: the function, the name of errcode.go's
# ErrorStrMap, an errno phrase (Linux only: errorcode_unix.go appends it when the error is an
# errno; errorcode_windows.go never does) and a tip in the source's wording, as
# `<Func> <NAME>[.<errno>]: <tip>`, %s being the plugin. 233 (CHECK_ENDPOINT_FAIL) is defined but
# never raised; 245 (REMOVE_FILE_ERR) comes from --remove only; 244 (EXECUTABLE_PERMISSION_ERR,
# chmod) does not occur on Windows.
declare -A MANAGER_FAILURE=(
  [232]='ExecutePluginOnlineOrLocal|LOCKING_ERR|ResourceTemporarilyUnavailable|Failed to execute plugin[%s]: Failed to acquire plugin-wise shared lock: resource temporarily unavailable'
  [234]='ExecutePluginOnlineOrLocal|PACKAGE_NOT_FOUND||Could not found both local and online, package[%s] version[]'
  [235]='ExecutePluginOnlineOrLocal|PACKAGE_FORMAT_ERR||Package file isn'\''t a zip file, package[%s]'
  [236]='ExecutePluginOnlineOrLocal|UNZIP_ERR|NoSpaceLeftOnDevice|Unzip err, package[%s]: no space left on device'
  [237]='ExecutePluginOnlineOrLocal|UNMARSHAL_ERR||Unmarshal config.json err, package[%s]'
  [238]='ExecutePluginOnlineOrLocal|PLUGIN_FORMAT_ERR||Plugin ostype not suit for this system, package[%s]'
  [239]='ExecutePluginOnlineOrLocal|MD5_CHECK_FAIL||Md5 not match, package[%s]'
  [240]='ExecutePluginOnlineOrLocal|DOWNLOAD_FAIL||Downloading package failed, package[%s]: context deadline exceeded'
  [241]='ExecutePluginOnlineOrLocal|LOAD_INSTALLEDPLUGINS_ERR||Load installed_plugins err: unexpected end of JSON input (%s)'
  [242]='ExecutePluginOnlineOrLocal|DUMP_INSTALLEDPLUGINS_ERR|NoSpaceLeftOnDevice|Update installed_plugins file err: no space left on device (%s)'
  [243]='ExecutePluginOnlineOrLocal|GET_ONLINE_PACKAGE_INFO_ERR||Get plugin info from online err, package[%s]'
  [244]='ExecutePluginOnlineOrLocal|EXECUTABLE_PERMISSION_ERR|OperationNotPermitted|Make plugin file executable err, package[%s]: operation not permitted'
  [246]='ExecutePlugin|EXECUTE_FAILED_ERR|PermissionDenied|Execute plugin failed, err: fork/exec %s: permission denied'
  [247]='ExecutePlugin|EXECUTE_TIMEOUT_ERR||Execute plugin timeout, timeout[%s] err: timeout'
)

# The codes manager_fail may inject on this OS: those the manager can raise when it executes a plugin.
manager_injectable() {
  case $1 in
    232 | 23[4-9] | 24[0-3] | 246) return 0 ;;
    244) [[ $MANAGER_OS == linux ]] ;;
    *) return 1 ;;
  esac
}

# manager_error CODE [ARG]: prints the manager's line for CODE (ARG in place of %s, the plugin by
# default) and exits with CODE.
manager_error() {
  local func name errno tip
  IFS='|' read -r func name errno tip <<<"${MANAGER_FAILURE[$1]}"
  [[ $MANAGER_OS == linux && -n $errno ]] && name+=".$errno"
  printf '%s %s: %s\n' "$func" "$name" "${tip//%s/${2:-$PLUGIN}}"
  manager_finish "$1" "$func $name"
}

# --- --exec -----------------------------------------------------------------------------------

# manager_timeout: TIMEOUT, the execution timeout: --timeout N (0 or less: none), else the
# plugin's config.json `timeout` (plugin_timeout), else 60 s. An agent older than version 499
# (timeout_flag=ignored) has no --timeout and ignores it as an unknown flag.
manager_timeout() {
  [[ ${MANAGER_CFG[timeout_flag]} == honoured ]] || EXEC_TIMEOUT=''
  if [[ -z $EXEC_TIMEOUT ]]; then
    TIMEOUT=$((10#${MANAGER_CFG[plugin_timeout]:-$DEFAULT_PLUGIN_TIMEOUT}))
  elif [[ $EXEC_TIMEOUT =~ ^-?[0-9]{1,9}$ ]]; then
    TIMEOUT=$((10#${EXEC_TIMEOUT#-}))
    [[ $EXEC_TIMEOUT != -* ]] || TIMEOUT=0
  else
    manager_usage_error "Invalid timeout argument for execution \"$EXEC_TIMEOUT\": strconv.Atoi: parsing \"$EXEC_TIMEOUT\": invalid syntax"
  fi
}

# manager_exec: --exec, as executePlugin does it. It reads the configuration, fails with its own
# code when told to (manager_fail), splits --params= (or --paramsV2=) into the plugin's arguments,
# and runs the plugin as a child process, on Linux in a process group of its own (Setpgid in
# process_unix.go), waiting at most the execution timeout. It passes the plugin's exit code
# through (a plugin killed by a signal: 255, Go's ExitCode() -1 given to os.Exit). On expiry it
# kills the plugin process only (its children go on) and exits 247 with its error line.
manager_exec() {
  local plugin known=0 pid rc start status_file idle
  read_standin_config MANAGER_CFG
  [[ ${MANAGER_CFG[manager_fail]} == none ]] || manager_injectable "${MANAGER_CFG[manager_fail]}" ||
    config_error "manager_fail must be none or a code the $MANAGER_OS plugin manager raises when it executes a plugin (232, 234-24$([[ $MANAGER_OS == linux ]] && echo 4 || echo 3), 246), got '${MANAGER_CFG[manager_fail]}'"
  [[ ${MANAGER_CFG[plugin_timeout]} =~ ^([0-9]{1,6})?$ ]] || config_error "plugin_timeout must be a whole number of seconds (got '${MANAGER_CFG[plugin_timeout]}')"
  [[ ${MANAGER_CFG[timeout_flag]} =~ ^(honoured|ignored)$ ]] || config_error "timeout_flag must be honoured or ignored"
  manager_timeout
  for plugin in $MANAGER_PLUGINS; do [[ $PLUGIN != "$plugin" ]] || known=1; done
  [[ $known == 1 ]] || manager_error 234
  [[ ${MANAGER_CFG[manager_fail]} == none ]] || manager_error "${MANAGER_CFG[manager_fail]}"
  if [[ -n $PARAMS_V2 ]]; then
    shlex_split "$PARAMS_V2"
    PLUGIN_ARGS=("${SHLEX_TOKENS[@]}")
  else
    split_plugin_params "$PARAMS" "$SEPARATOR"
  fi
  # The plugin writes its exit status here: bash cannot tell `exit 137` from a SIGKILL.
  status_file=$(mktemp /run/acs-standin-status.XXXXXX)
  [[ $MANAGER_OS != linux ]] || set -m
  STANDIN_EXIT_STATUS_FILE=$status_file "$STANDIN_PLUGIN" --standin-plugin-run "$PLUGIN" "${#ARGV[@]}" "${ARGV[@]}" "${PLUGIN_ARGS[@]}" &
  pid=$!
  set +m
  micros
  start=$REPLY
  # A pipe nobody writes to: reading it with a time-out sleeps without starting a process.
  exec {idle}<> <(:)
  while process_alive "$pid"; do
    micros
    if ((TIMEOUT > 0 && REPLY - start >= TIMEOUT * 1000000)); then
      kill -KILL "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      rm -f "$status_file"
      manager_error "$EXIT_EXECUTE_TIMEOUT" "$TIMEOUT"
    fi
    read -r -t "$POLL_SECONDS" -u "$idle" _
  done
  wait "$pid"
  rc=$(cat "$status_file" 2>/dev/null)
  rm -f "$status_file"
  manager_finish "${rc:-255}"
}
