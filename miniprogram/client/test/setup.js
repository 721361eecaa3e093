// Every test starts with a fresh fake WeChat (wx) and a fake orderhub server.
const { installWx } = require('./wx')
const config = require('../config')

config.baseURL = 'https://orders.test'
config.retryDelay = 0
config.demoBuyer = ''
installWx()
