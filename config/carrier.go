package config

// Carriers are the carriers' tracking pushes orderhub takes deliveries
// from: the carrier's 签收 time, not the moment a buyer taps 确认收货, is
// when an order was delivered.
type Carriers struct {
	// Kuaidi100 is 快递100's subscribe/push protocol: the carrier's
	// tracking is pushed to POST /api/v1/carriers/kuaidi100/callback,
	// signed with Salt.
	Kuaidi100 Kuaidi100 `yaml:"kuaidi100" envPrefix:"KUAIDI100_"`
}

// Kuaidi100 configures 快递100's tracking push.
type Kuaidi100 struct {
	// Salt signs each push: sign = upper(md5(param + salt)); the salt
	// given when subscribing. Empty: the callback is off (404).
	Salt string `yaml:"salt" env:"SALT"`
}
