/**
 * A bash tool that tries every way an agent has to the server password, printing a LEAK marker
 * for each that works (markers, not the password, so a redaction of the output cannot hide one).
 * The guard is opencode's parent (its pid is field 4 of /proc/$OPENCODE_PID/stat, readable by all).
 */
export const SECRET_PROBE_COMMAND = [
  'printenv OPENCODE_SERVER_PASSWORD && echo LEAK-printenv',
  "tr '\\0' '\\n' < /proc/$OPENCODE_PID/environ | grep OPENCODE_SERVER_PASSWORD && echo LEAK-opencode",
  "tr '\\0' '\\n' < /proc/$PPID/environ | grep OPENCODE_SERVER_PASSWORD && echo LEAK-parent",
  "guard=$(cut -d' ' -f4 /proc/$OPENCODE_PID/stat); tr '\\0' '\\n' < /proc/$guard/environ | grep OPENCODE_SERVER_PASSWORD && echo LEAK-guard",
  'printenv FLOTILLA_TEST_USER_PLUGIN',
  'echo PROBED as $(id -un)',
].join('; ')

/** The prompt that makes the scripted model's agent run the probe, then answer `done`. */
export const SECRET_PROBE_PROMPT = `probe\n@tool bash ${JSON.stringify({ command: SECRET_PROBE_COMMAND, description: 'look for the password' })}\n@reply probe done`

/** A user's own plugin: proves Flotilla's plugin is added to theirs, not put in their place. */
export const USER_PLUGIN_SOURCE = `export const UserPlugin = async () => ({ 'shell.env': async (_i, output) => { output.env.FLOTILLA_TEST_USER_PLUGIN = 'user-plugin-loaded' } })\n`

/**
 * For servers that run as root here (tmux, the sshd fixture): root reads every /proc file, so
 * only the environment the shell tools get can be checked (the local test covers /proc as nobody).
 */
export const PRINTENV_PROBE_PROMPT = `probe\n@tool bash ${JSON.stringify({ command: 'printenv OPENCODE_SERVER_PASSWORD && echo LEAK-printenv; echo PROBED', description: 'look for the password' })}\n@reply probe done`
