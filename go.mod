module github.com/kraeftplan/kpv

go 1.26.8

require (
	github.com/robfig/cron/v3 v3.0.1
	go.yaml.in/yaml/v3 v3.0.6
)
