package bot

// The embedded demo's WeCom app. With no corp configured, orderhub plays
// this corp: the callback uses these credentials, app messages go to the
// local WeCom at /wecom/local (whose inbox `orderhub chat` reads), so the
// same crypto, dedupe and outbox paths run as with a real corp. They are
// printed at start-up; they guard nothing real.
const (
	DemoCorpID  = "wwdemo0rderhub"
	DemoAgentID = 1000002
	DemoSecret  = "orderhub-demo-secret"
	DemoToken   = "orderhubdemo"
	// DemoAESKey is base64("orderhub-demo-key-0123456789abcd") without "=".
	DemoAESKey = "b3JkZXJodWItZGVtby1rZXktMDEyMzQ1Njc4OWFiY2Q"
	// LocalPath is where the embedded demo serves the local WeCom.
	LocalPath = "/wecom/local"
)
