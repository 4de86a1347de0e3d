FROM ubuntu:14.04
MAINTAINER Ops Team <ops@example.com>

ENV HOME /root
ENV APP_HOME /srv/app
ENV RAILS_ENV production

RUN apt-get update -qq && apt-get install -y build-essential libpq-dev nodejs ruby2.0 ruby2.0-dev
RUN gem install bundler --no-ri --no-rdoc

ADD Gemfile $APP_HOME/Gemfile
ADD Gemfile.lock $APP_HOME/Gemfile.lock
WORKDIR $APP_HOME
RUN bundle install --deployment --without development test

ADD . $APP_HOME
RUN bundle exec rake assets:precompile

ONBUILD ADD . /srv/app
ONBUILD RUN bundle install
ONBUILD RUN bundle exec rake db:migrate

EXPOSE 3000
VOLUME ["/srv/app/log", "/srv/app/tmp"]
CMD bundle exec unicorn -p 3000 -c config/unicorn.rb
